"""Probe of templates/attnc/PrefillSm90.cuh on the device machine (H100), before the emitter
targets it. Loads the cubins bench/dev/hopper_probe.sh built into .dev/hopper/ (carry that
folder) through libcuda via ctypes with an AttncSoftmaxParams mirror; checks every config and
variant (dense, causal, sliding window) against float64 torch on fresh random inputs with
ragged N and M, GQA 4 and LSE, output NaN-poisoned first (a tiny case first, so a descriptor
mistake shows at once); then times the D=128 configs at B=2, H=16, N=4k and 16k against torch
SDPA (FLASH_ATTENTION, CUDNN_ATTENTION) and FlexAttention (do_bench medians) and prints a
table of ratios last (peer time / attnc time: above 1, attnc is faster).

Usage: python3 bench/dev/hopper_probe.py [--check-only] [--configs substr,...]"""
import argparse, ctypes, glob, math, os, re, sys, time
import torch, triton
import torch.nn.functional as F
from torch.nn.attention import sdpa_kernel, SDPBackend

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LOG2E = 1.4426950408889634
WINDOW = 1024
CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8
VARIANTS = ("full", "causal", "sliding_window")

cuda = ctypes.CDLL("libcuda.so.1")
torch.zeros(1, device="cuda")  # torch creates and binds the primary context
cuda.cuInit(0)


class Tensor(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_void_p), ("stride", ctypes.c_int64 * 4), ("size", ctypes.c_int64 * 4)]


class Params(ctypes.Structure):
    _fields_ = [("q", Tensor), ("k", Tensor), ("v", Tensor), ("o", Tensor), ("lse", Tensor),
                ("inputs", Tensor * 8), ("iparams", ctypes.c_int64 * 8), ("fparams", ctypes.c_float * 8),
                ("block_map", ctypes.c_void_p), ("block_map_stride", ctypes.c_int64),
                ("batch", ctypes.c_int), ("heads_q", ctypes.c_int), ("heads_kv", ctypes.c_int),
                ("seq_q", ctypes.c_int), ("seq_k", ctypes.c_int), ("scale_log2", ctypes.c_float),
                ("scale", ctypes.c_float), ("num_splits", ctypes.c_int), ("workspace", ctypes.c_void_p)]


def check(rc, what):
    if rc != 0:
        raise RuntimeError(f"{what} failed: CUresult {rc}")


def read_int(mod, name):
    ptr, size, val = ctypes.c_uint64(), ctypes.c_size_t(), ctypes.c_int()
    check(cuda.cuModuleGetGlobal_v2(ctypes.byref(ptr), ctypes.byref(size), mod, name.encode()), name)
    check(cuda.cuMemcpyDtoH_v2(ctypes.byref(val), ptr, ctypes.c_size_t(4)), "memcpy " + name)
    return val.value


class Config:
    def __init__(self, path):
        self.name = os.path.basename(path)[:-len(".cubin")]
        m = re.match(r"(bf16|fp16)_d(\d+)_n(\d+)_s(\d+)_w(\d+)_o(\d)", self.name)
        self.dtype = torch.bfloat16 if m.group(1) == "bf16" else torch.float16
        self.hd = int(m.group(2))
        self.mod = ctypes.c_void_p()
        check(cuda.cuModuleLoadData(ctypes.byref(self.mod), open(path, "rb").read()), "load " + self.name)
        self.smem = read_int(self.mod, "attnc_smem_bytes")
        self.threads = read_int(self.mod, "attnc_threads")
        self.block_m = read_int(self.mod, "attnc_block_m")
        self.funcs = {}
        for v in VARIANTS:
            f = ctypes.c_void_p()
            check(cuda.cuModuleGetFunction(ctypes.byref(f), self.mod, f"attnc_{v}".encode()), v)
            check(cuda.cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, self.smem), "smem")
            self.funcs[v] = f

    def launch(self, variant, q, k, v, o, lse, window=WINDOW):
        p = Params()
        for field, t in (("q", q), ("k", k), ("v", v), ("o", o)):
            setattr(p, field, tensor_arg(t))
        p.lse = tensor_arg(lse) if lse is not None else Tensor()
        B, Hq, N, D = q.shape
        Hkv, M = k.shape[1], k.shape[2]
        p.batch, p.heads_q, p.heads_kv, p.seq_q, p.seq_k = B, Hq, Hkv, N, M
        p.scale = 1 / math.sqrt(D)
        p.scale_log2 = p.scale * LOG2E
        p.num_splits = 1
        p.iparams[0] = window
        self._keep = p
        args = (ctypes.c_void_p * 1)(ctypes.addressof(p))
        stream = torch.cuda.current_stream().cuda_stream
        grid = ((N + self.block_m - 1) // self.block_m, Hq, B)
        check(cuda.cuLaunchKernel(self.funcs[variant], *grid, self.threads, 1, 1, self.smem,
                                  ctypes.c_void_p(stream), args, None), "launch")


def tensor_arg(t):
    a = Tensor()
    a.ptr = t.data_ptr()
    for d in range(t.dim()):
        a.stride[d] = t.stride(d)
        a.size[d] = t.size(d)
    return a


def allowed(variant, N, M, window, device):
    i = torch.arange(N, device=device)[:, None]
    j = torch.arange(M, device=device)[None, :]
    if variant == "full":
        return torch.ones(N, M, dtype=torch.bool, device=device)
    if variant == "causal":
        return j <= i
    return (j <= i) & (i - j < window)


def reference(variant, q, k, v, window):
    B, Hq, N, D = q.shape
    Hkv, M = k.shape[1], k.shape[2]
    kk = k.double().repeat_interleave(Hq // Hkv, 1)
    vv = v.double().repeat_interleave(Hq // Hkv, 1)
    s = q.double() @ kk.transpose(-1, -2) / math.sqrt(D)
    s = s.masked_fill(~allowed(variant, N, M, window, q.device), float("-inf"))
    lse = torch.logsumexp(s, -1)
    o = torch.nan_to_num(torch.softmax(s, -1), nan=0.0) @ vv  # rows with no key: O = 0
    return o, lse


CASES = [  # (B, Hq, Hkv, N, M, window): tiny first, then ragged and GQA 4
    (1, 1, 1, 64, 128, 64), (1, 2, 2, 77, 77, 30), (2, 8, 2, 1000, 4000, 256),
    (1, 4, 1, 4000, 1000, 1024), (1, 2, 2, 129, 500, 100),
]


def check_config(cfg):
    tol = 1e-2 if cfg.dtype == torch.bfloat16 else 2e-3
    worst = {}
    for variant in VARIANTS:
        w = 0.0
        for (B, Hq, Hkv, N, M, window) in CASES:
            q = torch.randn(B, Hq, N, cfg.hd, device="cuda", dtype=cfg.dtype)
            k = torch.randn(B, Hkv, M, cfg.hd, device="cuda", dtype=cfg.dtype)
            v = torch.randn(B, Hkv, M, cfg.hd, device="cuda", dtype=cfg.dtype)
            o = torch.full((B, Hq, N, cfg.hd), float("nan"), device="cuda", dtype=cfg.dtype)
            lse = torch.full((B, Hq, N), float("nan"), device="cuda", dtype=torch.float32)
            cfg.launch(variant, q, k, v, o, lse, window)
            torch.cuda.synchronize()
            ref, rlse = reference(variant, q, k, v, window)
            err = ((o.double() - ref).norm() / ref.norm()).item()
            finite = torch.isfinite(rlse)
            lerr = (lse.double()[finite] - rlse[finite]).abs().max().item() if finite.any() else 0.0
            lse_ok = bool(torch.equal(torch.isfinite(lse), finite))
            if torch.isnan(o).any() or math.isnan(err) or not lse_ok:
                err = float("inf")
            w = max(w, err, lerr * 1e-2)
            if err > tol or lerr * 1e-2 > tol:
                print(f"    {cfg.name} {variant} B{B} Hq{Hq} Hkv{Hkv} N{N} M{M} W{window}: "
                      f"rel err {err:.2e}, lse err {lerr:.2e}", flush=True)
        worst[variant] = w
    ok = all(x <= tol for x in worst.values())
    print(f"  {cfg.name}: " + "  ".join(f"{v} {e:.2e}" for v, e in worst.items()) +
          ("  OK" if ok else f"  FAIL (tol {tol})"), flush=True)
    return ok


def bench(fn):
    return triton.testing.do_bench(fn, warmup=25, rep=100, return_mode="median")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check-only", action="store_true")
    ap.add_argument("--configs", default="")
    ap.add_argument("--sizes", default="4096,16384")
    ap.add_argument("--no-flex", action="store_true")
    args = ap.parse_args()
    t0 = time.time()
    paths = sorted(glob.glob(os.path.join(ROOT, ".dev/hopper/*.cubin")))
    if args.configs:
        paths = [p for p in paths if any(s in p for s in args.configs.split(","))]
    configs = [Config(p) for p in paths]
    torch.manual_seed(0)
    print("correctness (max over cases of ||o-ref||/||ref||, LSE abs err / 100):", flush=True)
    good = [c for c in configs if check_config(c)]
    print(f"  [{time.time() - t0:.0f}s]", flush=True)
    if args.check_only:
        return
    timed = [c for c in good if c.hd == 128 and c.dtype == torch.bfloat16]
    if not args.no_flex:
        from torch.nn.attention.flex_attention import flex_attention, create_block_mask
        torch._dynamo.config.recompile_limit = 64
        flex = torch.compile(flex_attention, dynamic=False)
    rows = []
    B, H, D = 2, 16, 128
    for N in (int(s) for s in args.sizes.split(",")):
        q = torch.randn(B, H, N, D, device="cuda", dtype=torch.bfloat16)
        k, v = torch.randn_like(q), torch.randn_like(q)
        o = torch.empty_like(q)
        for variant in VARIANTS:
            peers = {}
            causal = variant == "causal"
            if variant != "sliding_window":
                with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
                    peers["fa2"] = bench(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal))
                with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
                    peers["cudnn"] = bench(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal))
            if not args.no_flex:
                mods = {"full": None, "causal": lambda b, h, i, j: i >= j,
                        "sliding_window": lambda b, h, i, j: (i >= j) & (i - j < WINDOW)}
                bm = create_block_mask(mods[variant], None, None, N, N, device="cuda") if mods[variant] else None
                flex(q, k, v, block_mask=bm)
                peers["flex"] = bench(lambda: flex(q, k, v, block_mask=bm))
            times = {c.name: bench(lambda: c.launch(variant, q, k, v, o, None)) for c in timed}
            best = min(times, key=times.get)
            pairs = {"full": N * N, "causal": N * (N + 1) / 2,
                     "sliding_window": N * WINDOW - WINDOW * (WINDOW - 1) / 2}[variant]
            fl = 4 * B * H * pairs * D  # allowed (query, key) pairs only
            print(f"  N{N} {variant}: " + " ".join(f"{n}:{t:.3f}" for n, t in times.items()) +
                  "  peers " + " ".join(f"{n}:{t:.3f}" for n, t in peers.items()) +
                  f"  [{time.time() - t0:.0f}s]", flush=True)
            rows.append((N, variant, best, times[best], fl / times[best] / 1e9, peers))
    print("\nratios (peer ms / attnc ms; B=2 H=16 D=128 bf16; best config per row):")
    print(f"{'case':<24}{'config':<26}{'attnc ms':>9}{'TFLOP/s':>9}{'vs FA2':>8}{'vs cuDNN':>9}{'vs Flex':>8}")
    for N, variant, best, t, tf, peers in rows:
        r = {k: f"{peers[k] / t:.2f}x" if k in peers else "" for k in ("fa2", "cudnn", "flex")}
        print(f"{variant + ' N' + str(N):<24}{best:<26}{t:>9.3f}{tf:>9.0f}{r['fa2']:>8}{r['cudnn']:>9}{r['flex']:>8}")


if __name__ == "__main__":
    main()
