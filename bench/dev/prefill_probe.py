"""Probe of templates/attnc/Prefill.cuh on the device machine, before the runtime exists:
builds bench/dev/prefill_probe.cu with nvcc per tile shape, launches through libcuda via
ctypes with an AttncSoftmaxParams mirror, checks against float64 torch on random ragged
inputs (output poisoned first), then times against SDPA's FlashAttention-2 backend."""
import ctypes, math, os, subprocess, sys
import torch, triton
import torch.nn.functional as F
from torch.nn.attention import sdpa_kernel, SDPBackend

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
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

def build(hd, bm, bn, nw, st, qr, arch="sm_90a"):
    out = f"/tmp/probe_{hd}_{bm}_{bn}_{nw}_{st}_{qr}.cubin"
    cmd = ["nvcc", "-std=c++17", "-cubin", f"-arch={arch}", "-Xptxas", "-v", f"-I{ROOT}/templates",
           f"-DHD={hd}", f"-DBM={bm}", f"-DBN={bn}", f"-DNW={nw}", f"-DST={st}", f"-DQR={qr}",
           os.path.join(HERE, "prefill_probe.cu"), "-o", out]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        print(r.stderr); sys.exit(1)
    mod = ctypes.c_void_p()
    data = open(out, "rb").read()
    check(cuda.cuModuleLoadData(ctypes.byref(mod), data), "cuModuleLoadData")
    funcs = {}
    for name in ("attnc_full", "attnc_causal"):
        f = ctypes.c_void_p()
        check(cuda.cuModuleGetFunction(ctypes.byref(f), mod, name.encode()), "getFunction")
        smem = 2 * (bm * hd) + st * 2 * 2 * bn * hd
        check(cuda.cuFuncSetAttribute(f, 8, smem), "setAttribute")  # MAX_DYNAMIC_SHARED_SIZE_BYTES
        funcs[name] = (f, smem)
    return funcs, (bm, nw)

def tensor_arg(t):
    a = Tensor(); a.ptr = t.data_ptr()
    for d in range(t.dim()):
        a.stride[d] = t.stride(d); a.size[d] = t.size(d)
    return a

def launch(kern, cfg, q, k, v, o, lse):
    (f, smem), (bm, nw) = kern, cfg
    p = Params()
    p.q, p.k, p.v, p.o = tensor_arg(q), tensor_arg(k), tensor_arg(v), tensor_arg(o)
    p.lse = tensor_arg(lse) if lse is not None else Tensor()
    B, Hq, N, D = q.shape; Hkv, M = k.shape[1], k.shape[2]
    p.batch, p.heads_q, p.heads_kv, p.seq_q, p.seq_k = B, Hq, Hkv, N, M
    p.scale = 1 / math.sqrt(D); p.scale_log2 = p.scale * 1.4426950408889634; p.num_splits = 1
    arg = ctypes.c_void_p(ctypes.addressof(p))
    args = (ctypes.c_void_p * 1)(ctypes.addressof(p))
    stream = torch.cuda.current_stream().cuda_stream
    check(cuda.cuLaunchKernel(f, (N + bm - 1) // bm, Hq, B, nw * 32, 1, 1, smem, ctypes.c_void_p(stream), args, None), "launch")

def reference(q, k, v, causal):
    B, Hq, N, D = q.shape; Hkv, M = k.shape[1], k.shape[2]
    kk = k.double().repeat_interleave(Hq // Hkv, 1); vv = v.double().repeat_interleave(Hq // Hkv, 1)
    s = q.double() @ kk.transpose(-1, -2) / math.sqrt(D)
    if causal:
        s = s.masked_fill(torch.ones(N, M, dtype=torch.bool, device=q.device).triu(1), float("-inf"))
    lse = torch.logsumexp(s, -1)
    return torch.softmax(s, -1) @ vv, lse

torch.manual_seed(0)
rows = []
configs = [(128, 64, 64, 4, 2, "true"), (128, 128, 64, 8, 2, "true"), (128, 128, 64, 8, 3, "true"), (128, 128, 64, 4, 2, "false"), (128, 128, 32, 4, 3, "false"), (128, 128, 128, 8, 2, "false"),
           (64, 64, 64, 4, 2, "true"), (64, 128, 64, 4, 2, "true"), (64, 128, 64, 4, 3, "false"), (64, 128, 128, 8, 2, "true")]
built = {c: build(*c) for c in configs}
print("correctness (max over cases of ||o-ref||/||ref||):")
for c, (funcs, cfg) in built.items():
    hd = c[0]
    worst = 0.0
    for (B, Hq, Hkv, N, M) in ((1, 2, 2, 77, 77), (2, 4, 1, 300, 300), (2, 8, 2, 1000, 1000), (1, 2, 2, 129, 500)):
        for causal in (False, True):
            if causal and N != M: continue
            q = torch.randn(B, Hq, N, hd, device="cuda", dtype=torch.bfloat16)
            k = torch.randn(B, Hkv, M, hd, device="cuda", dtype=torch.bfloat16)
            v = torch.randn(B, Hkv, M, hd, device="cuda", dtype=torch.bfloat16)
            o = torch.full((B, Hq, N, hd), float("nan"), device="cuda", dtype=torch.bfloat16)
            lse = torch.full((B, Hq, N), float("nan"), device="cuda", dtype=torch.float32)
            launch(funcs["attnc_causal" if causal else "attnc_full"], cfg, q, k, v, o, lse)
            torch.cuda.synchronize()
            ref, rlse = reference(q, k, v, causal)
            err = ((o.double() - ref).norm() / ref.norm()).item()
            lerr = ((lse.double() - rlse).abs().max()).item()
            if torch.isnan(o).any() or math.isnan(err): err = float("inf")
            worst = max(worst, err, lerr * 1e-2)
    print(f"  cfg {c}: rel err {worst:.2e}")
    rows.append((c, worst))

print("timing vs SDPA flash (bf16, median ms):")
for D in (64, 128):
    for N in (1024, 4096, 16384):
        B, H = max(1, 16384 // N) * 2, 16
        q = torch.randn(B, H, N, D, device="cuda", dtype=torch.bfloat16)
        k = torch.randn_like(q); v = torch.randn_like(q); o = torch.empty_like(q)
        for causal in (False, True):
            fl = 4 * B * H * N * N * D * (0.5 if causal else 1)
            with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
                t_fa = triton.testing.do_bench(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal), warmup=25, rep=100, return_mode="median")
            best = None; alltimes = []
            for c, (funcs, cfg) in built.items():
                if c[0] != D: continue
                fn = funcs["attnc_causal" if causal else "attnc_full"]
                t = triton.testing.do_bench(lambda: launch(fn, cfg, q, k, v, o, None), warmup=25, rep=100, return_mode="median")
                alltimes.append(f"{c[1]}x{c[2]}w{c[3]}s{c[4]}{'r' if c[5]=='true' else 'm'}:{t_fa/t:.2f}")
                if best is None or t < best[0]: best = (t, c)
            print("    per config fa2/attnc:", " ".join(alltimes))
            print(f"  D{D} N{N:6d} {'causal' if causal else 'full  '}: fa2 {t_fa:.3f} ms ({fl/t_fa/1e9:.0f} TF)  attnc {best[0]:.3f} ms ({fl/best[0]/1e9:.0f} TF) cfg {best[1]}  ratio fa2/attnc {t_fa/best[0]:.2f}")
