"""Probe of templates/attnc/LinearChunk.cuh on the device machine, before the linear
emitter is wired in. `--build` (any machine with nvcc) compiles bench/dev/linear_probe.cu
per tile config into .dev/linear/*.cubin; the default run loads those cubins through
libcuda by ctypes with an AttncLinearParams mirror, checks every gate kind against a
float64 recurrent reference on random ragged inputs (output NaN-poisoned first; initial
state non-zero; both layouts; packed sequences; a 64k-token strong-decay case), then times
against flash-linear-attention's chunk kernels and SDPA causal (triton do_bench medians)."""
import ctypes, math, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CUBINS = os.path.join(ROOT, ".dev", "linear")
# (K, V, V slice, chunk, key sub-tile, warps, with the per-channel entry)
CONFIGS = [(128, 128, 64, 64, 16, 4, 1), (64, 128, 64, 64, 16, 4, 1), (128, 128, 64, 128, 16, 4, 0),
           (128, 128, 128, 128, 16, 8, 0), (128, 128, 64, 64, 32, 4, 0), (128, 128, 64, 128, 32, 4, 0)]
# The configs `--quick` times (the others were slower in the first full run).
TIMED = [(128, 128, 64, 64, 16, 4, 1), (128, 128, 128, 128, 16, 8, 0), (128, 128, 64, 64, 32, 4, 0)]
KINDS = ("none", "head", "token", "channel")
FLA_NAME = {"none": "chunk_linear_attn", "head": "chunk_simple_gla(g_gamma)", "token": "chunk_simple_gla", "channel": "chunk_gla"}

def cfg_name(c):
    return "k{}_v{}_s{}_c{}_u{}_w{}_g{}".format(*c)

def build():
    os.makedirs(CUBINS, exist_ok=True)
    for c in CONFIGS:
        hk, hv, sv, ch, sub, nw, channel = c
        out = os.path.join(CUBINS, cfg_name(c) + ".cubin")
        cmd = ["nvcc", "-std=c++17", "-cubin", "-gencode=arch=compute_90a,code=sm_90a", "-Xptxas", "-v",
               f"-I{ROOT}/templates", f"-DLP_HK={hk}", f"-DLP_HV={hv}", f"-DLP_SV={sv}", f"-DLP_CH={ch}",
               f"-DLP_SUB={sub}", f"-DLP_NW={nw}"] + ([] if channel else ["-DLP_NO_CHANNEL=1"]) + [
               os.path.join(HERE, "linear_probe.cu"), "-o", out]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            print(r.stderr); sys.exit(1)
        usage = [l.strip() for l in r.stderr.splitlines() if "registers" in l or "spill" in l or "entry function" in l]
        print(cfg_name(c), " | ".join(usage))

if __name__ == "__main__" and "--build" in sys.argv:
    build(); sys.exit(0)

import torch, triton
import torch.nn.functional as F

cuda = ctypes.CDLL("libcuda.so.1")
torch.zeros(1, device="cuda")
cuda.cuInit(0)

from linear_abi import Params, Tensor  # AttncLinearParams, read from LinearParams.h

def check(rc, what):
    if rc != 0:
        raise RuntimeError(f"{what} failed: CUresult {rc}")

def load(c):
    mod = ctypes.c_void_p()
    check(cuda.cuModuleLoadData(ctypes.byref(mod), open(os.path.join(CUBINS, cfg_name(c) + ".cubin"), "rb").read()), "load")
    funcs = {}
    for kind in KINDS + ("token_f16",):
        f = ctypes.c_void_p()
        if cuda.cuModuleGetFunction(ctypes.byref(f), mod, f"linear_{kind}".encode()) != 0:
            continue
        dptr, size = ctypes.c_uint64(), ctypes.c_size_t()
        check(cuda.cuModuleGetGlobal_v2(ctypes.byref(dptr), ctypes.byref(size), mod, f"linear_{kind}_smem_bytes".encode()), "global")
        smem = ctypes.c_int()
        check(cuda.cuMemcpyDtoH_v2(ctypes.byref(smem), dptr, 4), "dtoh")
        check(cuda.cuFuncSetAttribute(f, 8, smem.value), "setAttribute")
        funcs[kind] = (f, smem.value)
    return funcs

def targ(t):
    a = Tensor()
    if t is None:
        return a
    a.ptr = t.data_ptr()
    for d in range(t.dim()):
        a.stride[d] = t.stride(d); a.size[d] = t.size(d)
    return a

def launcher(kern, c, q, k, v, o, g=None, hdecay=None, s0=None, s1=None, cu=None):
    """q, k, v, o, g: canonical [B, H, T, D] views (any strides). Returns a launch closure."""
    (f, smem), (hk, hv, sv, ch, sub, nw, _) = kern, c
    p = Params()
    p.q, p.k, p.v, p.o, p.g = targ(q), targ(k), targ(v), targ(o), targ(g)
    p.head_log_decay = hdecay.data_ptr() if hdecay is not None else None
    p.state_in = s0.data_ptr() if s0 is not None else None
    p.state_out = s1.data_ptr() if s1 is not None else None
    p.cu_seqlens = cu.data_ptr() if cu is not None else None
    n = (cu.numel() - 1) if cu is not None else q.shape[0]
    p.num_seqs, p.heads, p.seq_len, p.scale = n, q.shape[1], q.shape[2], q.shape[3] ** -0.5
    args = (ctypes.c_void_p * 1)(ctypes.addressof(p))
    grid = (hv // sv, q.shape[1], n)
    def run():
        stream = torch.cuda.current_stream().cuda_stream
        check(cuda.cuLaunchKernel(f, *grid, nw * 32, 1, 1, smem, ctypes.c_void_p(stream), args, None), "launch")
    run.keep = (p, args)
    return run

def reference(q, k, v, kind, g, hdecay, s0):
    """float64 recurrence, canonical [B, H, T, D]."""
    q, k, v = q.double(), k.double(), v.double()
    B, H, T, K = q.shape; V = v.shape[-1]
    S = s0.double().clone() if s0 is not None else torch.zeros(B, H, K, V, dtype=torch.float64, device=q.device)
    o = torch.empty(B, H, T, V, dtype=torch.float64, device=q.device)
    for t in range(T):
        if kind == "head":
            S *= hdecay.double().exp()[None, :, None, None]
        elif kind == "token":
            S *= g[:, :, t].double().exp()[..., None, None]
        elif kind == "channel":
            S *= g[:, :, t].double().exp()[..., None]
        S += k[:, :, t, :, None] * v[:, :, t, None, :]
        o[:, :, t] = torch.einsum("bhk,bhkv->bhv", q[:, :, t], S) * K ** -0.5
    return o, S

def make_gates(kind, B, H, T, K, strong=False, layout="bhtd"):
    if kind in ("none", "head"):
        return None
    shape = (B, T, H) if kind == "token" else (B, T, H, K)
    x = torch.randn(shape, device="cuda") + (-8.0 if strong else 0.0)
    g = F.logsigmoid(x) / (1.0 if kind == "token" or strong else 4.0)
    g = g.transpose(1, 2)  # canonical [B, H, T(, K)] view of a [B, T, H(, K)] tensor
    return g.contiguous() if layout == "bhtd" else g

def rel(a, b):
    if torch.isnan(a).any():
        return float("inf")
    return ((a.double() - b).norm() / b.norm()).item()

def correctness_case(funcs, c, kind, B, H, T, layout, dtype=torch.bfloat16, strong=False, varlen=None):
    hk, hv = c[0], c[1]
    def make(D):
        x = torch.randn(B, T, H, D, device="cuda", dtype=dtype)
        return x.transpose(1, 2).contiguous() if layout == "bhtd" else x.transpose(1, 2)
    q, k, v = make(hk), make(hk), make(hv)
    k = F.normalize(k.float(), dim=-1).to(dtype) * (hk ** 0.5 if kind == "none" else 1.0) if strong else k
    g = make_gates(kind, B, H, T, hk, strong, layout)
    hdecay = torch.log(1 - 2.0 ** (-5.0 - torch.arange(H, device="cuda", dtype=torch.float32))) if kind == "head" else None
    o = torch.full(v.shape, float("nan"), device="cuda", dtype=dtype)
    if varlen is None:
        s0 = torch.randn(B, H, hk, hv, device="cuda")
        s1 = torch.full_like(s0, float("nan"))
        launcher(funcs["token_f16" if dtype == torch.float16 else kind], c, q, k, v, o, g, hdecay, s0, s1)()
        torch.cuda.synchronize()
        ref, sref = reference(q, k, v, kind, g, hdecay, s0)
        return rel(o, ref), rel(s1, sref)
    cu = torch.tensor(varlen, device="cuda", dtype=torch.int32)
    n = len(varlen) - 1
    s0 = torch.randn(n, H, hk, hv, device="cuda")
    s1 = torch.full_like(s0, float("nan"))
    launcher(funcs[kind], c, q, k, v, o, g, hdecay, s0, s1, cu)()
    torch.cuda.synchronize()
    errs, serrs = [], []
    refs = torch.empty_like(o, dtype=torch.float64)
    for i in range(n):
        a, b = varlen[i], varlen[i + 1]
        sl = lambda x: None if x is None else x[:, :, a:b]
        r, sr = reference(sl(q), sl(k), sl(v), kind, sl(g), hdecay, s0[i:i + 1])
        refs[:, :, a:b] = r
        serrs.append(rel(s1[i:i + 1], sr))
    return rel(o, refs), max(serrs)

def correctness(loaded):
    print("correctness: rel err ||o-ref||/||ref|| (final state), float64 recurrent reference", flush=True)
    worst = {}
    c0 = CONFIGS[0]
    e = correctness_case(loaded[c0], c0, "token", 1, 1, 77, "bhtd")
    print(f"  tiny token T77: {e[0]:.2e} ({e[1]:.2e})", flush=True)
    for c, funcs in loaded.items():
        for kind in KINDS:
            if kind not in funcs:
                continue
            for layout in ("bhtd", "bthd"):
                e = correctness_case(funcs, c, kind, 2, 3, 1000, layout)
                worst[(c, kind)] = max(worst.get((c, kind), 0), *e)
                print(f"  {cfg_name(c)} {kind:8s} {layout} B2 H3 T1000 K{c[0]} V{c[1]}: {e[0]:.2e} ({e[1]:.2e})", flush=True)
    c1 = CONFIGS[0]; f1 = loaded[c1]
    e = correctness_case(f1, c1, "token", 2, 3, 1000, "bhtd", dtype=torch.float16)
    print(f"  {cfg_name(c1)} token fp16 T1000: {e[0]:.2e} ({e[1]:.2e})")
    for kind in KINDS:
        e = correctness_case(f1, c1, kind, 1, 2, 1537, "bthd", varlen=[0, 300, 301, 1000, 1537])
        print(f"  {cfg_name(c1)} {kind:8s} packed varlen [300,1,699,537]: {e[0]:.2e} ({e[1]:.2e})", flush=True)
    for kind in ("token", "channel"):
        e = correctness_case(f1, c1, kind, 1, 1, 65536, "bthd", strong=True)
        print(f"  {cfg_name(c1)} {kind:8s} T65536 gates ~logsigmoid(-8): {e[0]:.2e} ({e[1]:.2e})", flush=True)
    return worst

def timing(loaded):
    sys.path.insert(0, "/tmp/site")
    try:
        from fla.ops.linear_attn import chunk_linear_attn
        from fla.ops.simple_gla import chunk_simple_gla
        from fla.ops.gla import chunk_gla
        fla = True
    except Exception as ex:
        print("FLA not importable:", ex); fla = False
    bench = lambda fn: triton.testing.do_bench(fn, warmup=25, rep=100, return_mode="median")
    rows = []
    H, D = 16, 128
    for T in (4096, 16384):
        B = 32768 // T
        q = torch.randn(B, T, H, D, device="cuda", dtype=torch.bfloat16)
        k = torch.randn_like(q) * D ** -0.5; v = torch.randn_like(q); o = torch.empty_like(q)
        gt = F.logsigmoid(torch.randn(B, T, H, device="cuda"))
        gc = F.logsigmoid(torch.randn(B, T, H, D, device="cuda")) / 16
        hdecay = torch.log(1 - 2.0 ** (-5.0 - torch.arange(H, device="cuda", dtype=torch.float32)))
        cq, ck, cv, co = (x.transpose(1, 2) for x in (q, k, v, o))
        qs, ks, vs = (x.transpose(1, 2).contiguous() for x in (q, k, v))
        t_sdpa = bench(lambda: F.scaled_dot_product_attention(qs, ks, vs, is_causal=True))
        for kind in KINDS:
            g = {"token": gt.transpose(1, 2), "channel": gc.transpose(1, 2)}.get(kind)
            best, per = None, []
            for c, funcs in loaded.items():
                if c[0] != D or kind not in funcs:
                    continue
                t = bench(launcher(funcs[kind], c, cq, ck, cv, co, g, hdecay if kind == "head" else None))
                per.append(f"{cfg_name(c)}:{t:.3f}")
                if best is None or t < best[0]:
                    best = (t, c)
            t_fla = None
            if fla:
                fn = {"none": lambda: chunk_linear_attn(q, k, v, normalize=False),
                      "head": lambda: chunk_simple_gla(q, k, v, g_gamma=hdecay),
                      "token": lambda: chunk_simple_gla(q, k, v, g=gt),
                      "channel": lambda: chunk_gla(q, k, v, g=gc)}[kind]
                try:
                    t_fla = bench(fn)
                except Exception as ex:
                    print(f"  FLA {kind} failed: {str(ex)[:200]}")
            print(f"  T{T} {kind}: FLA {t_fla} SDPA {t_sdpa:.3f} attnc " + " ".join(per), flush=True)
            rows.append((T, kind, best, t_fla, t_sdpa))
    print("\nratio table (B*T=32k, H=16, K=V=128, bf16, [B,T,H,D], median ms; ratio = peer/attnc):")
    print(f"{'T':>6} {'variant':8} {'attnc ms':>9} {'cfg':28} {'FLA ms':>8} {'vs FLA':>7} {'SDPA ms':>8} {'vs SDPA':>8}  peer")
    for T, kind, best, t_fla, t_sdpa in rows:
        fl = f"{t_fla:8.3f} {t_fla / best[0]:6.2f}x" if t_fla else f"{'-':>8} {'-':>7}"
        print(f"{T:6d} {kind:8} {best[0]:9.3f} {cfg_name(best[1]):28} {fl} {t_sdpa:8.3f} {t_sdpa / best[0]:7.2f}x  {FLA_NAME[kind]}")

if __name__ == "__main__":
    torch.manual_seed(0)
    loaded = {c: load(c) for c in CONFIGS if os.path.exists(os.path.join(CUBINS, cfg_name(c) + ".cubin"))}
    worst = correctness(loaded) if "--quick" not in sys.argv else {}
    if "--quick" in sys.argv:
        c0 = CONFIGS[0]
        for kind in KINDS:
            print(f"  quick {kind} T1000:", correctness_case(loaded[c0], c0, kind, 2, 3, 1000, "bthd"), flush=True)
        loaded = {c: f for c, f in loaded.items() if c in TIMED}
    if "--no-timing" not in sys.argv:
        timing(loaded)
    print("\nworst rel err per config and gate kind:")
    for (c, kind), e in worst.items():
        print(f"  {cfg_name(c)} {kind}: {e:.2e}")
