"""attnc's softmax kernels against the peers a user would otherwise pick, on one GPU in one
run: torch SDPA (FlashAttention-2 and cuDNN backends) and FlexAttention for dense full and
causal attention, sliding window, prefix-LM and document masks. attnc runs through its own
CLI (`attnc run --bench`: CUDA events, warm-up, median over input sets rotated past L2);
the peers through triton.testing.do_bench (median). Prints one table of times and ratios
(peer time / attnc time: above 1 means attnc is faster) and writes $OUT/softmax_bench.json.

Usage on the device machine:  python3 bench/softmax_bench.py --attnc build-lead/bin/attnc
"""
import argparse, json, math, os, re, subprocess, sys
import torch
import torch.nn.functional as F
import triton
from torch.nn.attention import sdpa_kernel, SDPBackend
from torch.nn.attention.flex_attention import flex_attention, create_block_mask

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser()
ap.add_argument("--attnc", default=os.path.join(ROOT, "build", "bin", "attnc"))
ap.add_argument("--quick", action="store_true", help="only the N=4k/16k D=128 cases")
ap.add_argument("--only", choices=["document"], help="run just this case")
ap.add_argument("--rounds", type=int, default=1,
                help="document row: time Flex and attnc this many times, interleaved, and "
                     "report each one's median (the row moves a few percent run to run)")
args = ap.parse_args()

torch.manual_seed(0)
torch._dynamo.config.recompile_limit = 64  # one Flex compile per mask and shape
dev, dt = "cuda", torch.bfloat16
flex = torch.compile(flex_attention, dynamic=False)
rows = []

def bench(fn):
    return triton.testing.do_bench(fn, warmup=25, rep=200, return_mode="median")

def attnc_ms(example, shape, params=(), head_dim=128, inputs=(), flags=()):
    cmd = [args.attnc, "run", os.path.join(ROOT, "examples", example + ".attn"), "--bench",
           "--iters", "100", "--head-dim", str(head_dim), "--shape", shape, *flags]
    cmd += [f"--param={p}" for p in params] + [f"--input={i}" for i in inputs]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stderr.strip(), file=sys.stderr)
        return float("nan"), ""
    m = re.search(r"median ([0-9.]+) ms", r.stdout)
    cfg = re.search(r"\[([^,\]]+)", r.stdout)
    return float(m.group(1)), cfg.group(1) if cfg else ""

def sdpa_ms(backend, q, k, v, causal=False, mask=None):
    try:
        with sdpa_kernel(backend):
            return bench(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal, attn_mask=mask))
    except Exception as e:
        return float("nan")

def flex_ms(q, k, v, mod):
    N = q.shape[2]
    bm = create_block_mask(mod, None, None, N, N, device=dev) if mod else None
    flex(q, k, v, block_mask=bm)
    return bench(lambda: flex(q, k, v, block_mask=bm))

def record(case, ours, cfg, peers):
    rows.append(dict(case=case, attnc_ms=ours, config=cfg, peers=peers))
    ratio = " ".join(f"{name}={t/ours:.2f}x" for name, t in peers.items() if not math.isnan(t))
    times = " ".join(f"{name} {t:.3f}" for name, t in peers.items())
    print(f"{case:34s} attnc {ours:8.3f} ms [{cfg}]  {times}  | {ratio}", flush=True)

print(torch.__version__, triton.__version__, torch.cuda.get_device_name(), flush=True)
dense = [(D, N) for D in (64, 128) for N in (1024, 4096, 16384)]
if args.quick:
    dense = [(128, 4096), (128, 16384)]
if args.only:
    dense = []
for D, N in dense:
    B, H = max(1, 16384 // N) * 2, 16
    q = torch.randn(B, H, N, D, device=dev, dtype=dt); k = torch.randn_like(q); v = torch.randn_like(q)
    for causal in (False, True):
        ex = "causal" if causal else "full"
        ours, cfg = attnc_ms(ex, f"B={B},H={H},N={N}", (), D)
        peers = {"fa2": sdpa_ms(SDPBackend.FLASH_ATTENTION, q, k, v, causal),
                 "cudnn": sdpa_ms(SDPBackend.CUDNN_ATTENTION, q, k, v, causal)}
        if D == 128 and N >= 4096:
            peers["flex"] = flex_ms(q, k, v, (lambda b, h, i, j: i >= j) if causal else None)
        record(f"{ex} B{B} H{H} N{N} D{D}", ours, cfg, peers)
    del q, k, v

D, H = 128, 16
for N in ((4096, 16384) if not args.only else ()):
    B, W = max(1, 16384 // N) * 2, 1024
    q = torch.randn(B, H, N, D, device=dev, dtype=dt); k = torch.randn_like(q); v = torch.randn_like(q)
    ours, cfg = attnc_ms("sliding_window", f"B={B},H={H},N={N}", (f"window={W}",))
    record(f"sliding_window W{W} B{B} N{N}", ours, cfg,
           {"flex": flex_ms(q, k, v, lambda b, h, i, j: (i >= j) & (i - j < W))})
    if not args.quick:
        P = 1024
        ours, cfg = attnc_ms("prefix_lm", f"B={B},H={H},N={N}", (f"prefix={P}",))
        record(f"prefix_lm P{P} B{B} N{N}", ours, cfg,
               {"flex": flex_ms(q, k, v, lambda b, h, i, j: (j <= i) | (j < P))})
    del q, k, v

# Document mask: packed documents of random lengths (256..4096, as peers.py), the same ids
# for attnc (--input doc=FILE, raw int32 [B, N]) and Flex.
N, B = 16384, 2
q = torch.randn(B, H, N, D, device=dev, dtype=dt); k = torch.randn_like(q); v = torch.randn_like(q)
g = torch.Generator().manual_seed(1)
lens, left = [], N
while left > 0:
    l = min(left, int(torch.randint(256, 4096, (1,), generator=g))); lens.append(l); left -= l
doc = torch.cat([torch.full((l,), i, dtype=torch.int32) for i, l in enumerate(lens)])
doc_file = "/tmp/attnc_doc_ids.bin"
doc.repeat(B, 1).contiguous().numpy().tofile(doc_file)
# Flex is timed with its BlockMask made beforehand (create_block_mask, once per batch and
# reused by every layer); attnc both ways: the map built once and reused (the same
# protocol), and rebuilt by every launch.
docd = doc.to(dev)
doc_mod = lambda b, h, i, j: (docd[i] == docd[j]) & (i >= j)
doc_shape, doc_input = f"B={B},H={H},N={N}", (f"doc={doc_file}",)
flex_t, reused_t, rebuilt_t = [], [], []
for r in range(args.rounds):
    flex_t.append(flex_ms(q, k, v, doc_mod))
    reused, cfg = attnc_ms("document_mask", doc_shape, (), 128, doc_input, ("--reuse-block-map",))
    rebuilt, _ = attnc_ms("document_mask", doc_shape, (), 128, doc_input)
    reused_t.append(reused); rebuilt_t.append(rebuilt)
    if args.rounds > 1:
        print(f"  document round {r + 1}: flex {flex_t[-1]:.3f}  attnc map reused {reused:.3f}"
              f" ({flex_t[-1] / reused:.2f}x)  rebuilt {rebuilt:.3f} ({flex_t[-1] / rebuilt:.2f}x)",
              flush=True)
median = lambda xs: sorted(xs)[len(xs) // 2]
flex_doc = median(flex_t)
record(f"document docs{len(lens)} B{B} N{N} map reused", median(reused_t), cfg, {"flex": flex_doc})
record(f"document docs{len(lens)} B{B} N{N} map rebuilt", median(rebuilt_t), cfg, {"flex": flex_doc})
del q, k, v

if os.environ.get("OUT"):
    json.dump(rows, open(os.path.join(os.environ["OUT"], "softmax_bench.json"), "w"), indent=1)
