"""Probe of the two-stage delta rule and gated delta rule outside the compiler
(LinearDeltaPrepare.cuh: chunk-parallel UT transform into a workspace, then
LinearDeltaWalk.cuh: the serial walk), with main's templates as the baseline config in the
same tables. Modes:
  --build [--out DIR]  (any machine with nvcc and git) compiles bench/dev/delta_probe.cu per
            tile config into DIR/<cfg>.cubin (sm_90a) and DIR/sm80_<cfg>.cubin (spill check
            only), the baseline from `git archive main` (templates and probe prelude), and
            copies this script and linear_abi.py into DIR, so that DIR runs on its own from
            the repository root (`python3 DIR/delta_probe.py ...`). DIR defaults to
            .dev/gdelta. Exits non-zero on a compile error, or a spill or stack frame.
  --model   (no GPU, no torch) the kernel's chunk algorithm in pure Python floats, in the
            order the kernel computes it (A, the inverse, W, U, P per chunk; then U', o and
            the state update), against the token recurrence on tiny shapes.
  default   (device machine) loads the sm_90a cubins (next to this script when it was
            copied by --build, else $ATTNC_DELTA_CUBINS, else .dev/gdelta) through libcuda by
            ctypes, checks both kinds against a float64 recurrent reference (L2-normalised
            keys, beta in (0, 1), logsigmoid gates, output and final state NaN-poisoned,
            non-zero initial state, both layouts, packed sequences, fp16, T = 65536), then
            times against FLA's chunk_delta_rule and chunk_gated_delta_rule (triton do_bench
            medians, total and per stage) and prints a ratio table last. --no-timing skips
            the timing, --no-check the correctness; --quick checks one config only.
  --warm K  (device machine) only runs FLA's kernel for kind K (plain | gated) once at each
            timing shape, so Triton's compile and autotune (over 50 s per op on a fresh
            machine) can run in parallel processes before the timing."""
import ctypes, math, os, random, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))  # bench/dev or .dev/<folder>: two levels down
DEFAULT_CUBINS = os.path.join(ROOT, ".dev", "gdelta")
# (templates, K, V, V slice per walk CTA, chunk, key sub-tile of main's one-kernel form, walk
# warps: chunk / 16 per group of V columns). "main": the baseline, main's templates.
CONFIGS = [("main", 128, 128, 64, 64, 32, 4),
           ("gd", 128, 128, 64, 64, 16, 4),    # main's walk shape, the new prepare stage
           ("gd", 128, 128, 32, 64, 16, 4),    # 32 columns per CTA: 128 CTAs at T = 16k
           ("gd", 128, 128, 64, 64, 16, 8),    # two groups of 32 columns, shared q, k, W, P
           ("gd", 128, 128, 128, 64, 16, 8),   # two groups of 64: half the CTAs of v64
           ("gd", 64, 128, 64, 64, 16, 8)]     # K = 64 coverage
PREP_WARPS = 4  # DP_PNW: LinearDeltaPrepareTraits' warps
CHUNK = 64
KINDS = ("plain", "gated")
ARCHS = (("sm_90a", "compute_90a", ""), ("sm_80", "compute_80", "sm80_"))
FLA_NAME = {"plain": "chunk_delta_rule", "gated": "chunk_gated_delta_rule"}

def cubin_dir():
    if os.environ.get("ATTNC_DELTA_CUBINS"):
        return os.environ["ATTNC_DELTA_CUBINS"]
    if any(f.endswith(".cubin") for f in os.listdir(HERE)):
        return HERE
    return DEFAULT_CUBINS

def cfg_name(c):
    return "{}_k{}_v{}_s{}_c{}_u{}_w{}".format(*c)

def main_sources(out):
    """main's templates and probe prelude, as of the branch point's `main`."""
    src = os.path.join(out, "main_src")
    subprocess.run(["rm", "-rf", src], check=True)
    os.makedirs(src)
    tar = subprocess.run(["git", "-C", ROOT, "archive", "main", "templates", "bench/dev/delta_probe.cu"],
                         capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", src], input=tar, check=True)
    return os.path.join(src, "templates"), os.path.join(src, "bench", "dev", "delta_probe.cu")

def build():
    out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else DEFAULT_CUBINS
    os.makedirs(out, exist_ok=True)
    main_templates, main_cu = main_sources(out)
    bad = []
    for c in CONFIGS:
        src, hk, hv, sv, ch, sub, nw = c
        templates, cu = (main_templates, main_cu) if src == "main" else (f"{ROOT}/templates",
                                                                           os.path.join(HERE, "delta_probe.cu"))
        for arch, virt, prefix in ARCHS:
            if src == "main" and prefix:
                continue  # the baseline's spill check is main's own
            cubin = os.path.join(out, prefix + cfg_name(c) + ".cubin")
            cmd = ["nvcc", "-std=c++17", "-cubin", f"-gencode=arch={virt},code={arch}", "-Xptxas", "-v",
                   f"-I{templates}", f"-DDP_HK={hk}", f"-DDP_HV={hv}", f"-DDP_SV={sv}", f"-DDP_CH={ch}",
                   f"-DDP_SUB={sub}", f"-DDP_NW={nw}", f"-DDP_PNW={PREP_WARPS}", cu, "-o", cubin]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode:
                print(r.stderr); sys.exit(1)
            entry = None
            for line in r.stderr.splitlines():
                m = re.search(r"Compiling entry function '(\w+)'", line)
                if m:
                    entry = m.group(1)
                m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", line)
                if m:
                    if any(int(x) for x in m.groups()) and not entry.startswith("delta_"):
                        bad.append(f"{arch} {cfg_name(c)} {entry}: {line.strip()}")
                    stack = line.strip()
                m = re.search(r"Used (\d+) registers", line)
                if m and not entry.startswith("delta_"):
                    print(f"{arch:6} {cfg_name(c):28} {entry:16} {m.group(1)} registers | {stack}", flush=True)
    subprocess.run(["rm", "-rf", os.path.join(out, "main_src")], check=True)
    if os.path.realpath(out) != HERE:
        for f in ("delta_probe.py", "linear_abi.py"):
            subprocess.run(["cp", os.path.join(HERE, f), out], check=True)
    if bad:
        print("FAIL: spills or stack\n  " + "\n  ".join(bad)); sys.exit(1)
    print(f"ok: no spills, no stack frames; cubins and the probe in {out}")

# ---- --model: the kernel's algorithm in pure Python, against the recurrence ----

def model_recurrence(q, k, v, beta, g, S, scale):
    K, V = len(S), len(S[0])
    out = []
    for t in range(len(q)):
        a = math.exp(g[t])
        S = [[a * S[r][x] for x in range(V)] for r in range(K)]
        kS = [sum(k[t][r] * S[r][x] for r in range(K)) for x in range(V)]
        S = [[S[r][x] + beta[t] * k[t][r] * (v[t][x] - kS[x]) for x in range(V)] for r in range(K)]
        out.append([scale * sum(q[t][r] * S[r][x] for r in range(K)) for x in range(V)])
    return out, S

def model_chunked(q, k, v, beta, g, S, scale, C):
    K, V = len(S), len(S[0])
    dot = lambda a, b: sum(x * y for x, y in zip(a, b))
    out = []
    for t0 in range(0, len(q), C):
        n = min(C, len(q) - t0)
        qc, kc, vc, bc = q[t0:t0 + n], k[t0:t0 + n], v[t0:t0 + n], beta[t0:t0 + n]
        b, acc = [], 0.0
        for t in range(n):
            acc += g[t0 + t]; b.append(acc)
        A = [[bc[t] * math.exp(b[t] - b[s]) * dot(kc[t], kc[s]) if s < t else 0.0 for s in range(n)] for t in range(n)]
        R = [[bc[t] * (vc[t][x] - math.exp(b[t]) * sum(kc[t][r] * S[r][x] for r in range(K))) for x in range(V)]
             for t in range(n)]
        U = [row[:] for row in R]  # forward substitution, column by column as the kernel does
        for x in range(V):
            for i in range(1, n):
                U[i][x] -= sum(A[i][j] * U[j][x] for j in range(i))
        for t in range(n):
            o = [math.exp(b[t]) * sum(qc[t][r] * S[r][x] for r in range(K)) for x in range(V)]
            for s in range(t + 1):
                w = math.exp(b[t] - b[s]) * dot(qc[t], kc[s])
                o = [o[x] + w * U[s][x] for x in range(V)]
            out.append([scale * y for y in o])
        last = b[n - 1]
        S = [[math.exp(last) * S[r][x] + sum(math.exp(last - b[s]) * kc[s][r] * U[s][x] for s in range(n))
              for x in range(V)] for r in range(K)]
    return out, S

def model_split(q, k, v, beta, g, S, scale, C):
    """The two-stage form: per chunk Ai = (I + A)^-1, W = Ai diag(beta e^b) K,
    U = Ai diag(beta) V, P (prepare stage); then U' = U - W S, o, S (walk)."""
    K, V = len(S), len(S[0])
    dot = lambda a, b: sum(x * y for x, y in zip(a, b))
    out = []
    for t0 in range(0, len(q), C):
        n = min(C, len(q) - t0)
        qc, kc, vc, bc = q[t0:t0 + n], k[t0:t0 + n], v[t0:t0 + n], beta[t0:t0 + n]
        b, acc = [], 0.0
        for t in range(n):
            acc += g[t0 + t]; b.append(acc)
        A = [[bc[t] * math.exp(b[t] - b[s]) * dot(kc[t], kc[s]) if s < t else 0.0 for s in range(n)] for t in range(n)]
        Ai = [[0.0] * n for _ in range(n)]
        for j in range(n):  # column j: forward substitution with right-hand side e_j
            for i in range(n):
                Ai[i][j] = (1.0 if i == j else 0.0) - sum(A[i][m] * Ai[m][j] for m in range(i))
        W = [[sum(Ai[i][s] * bc[s] * math.exp(b[s]) * kc[s][r] for s in range(n)) for r in range(K)] for i in range(n)]
        U = [[sum(Ai[i][s] * bc[s] * vc[s][x] for s in range(n)) for x in range(V)] for i in range(n)]
        P = [[math.exp(b[t] - b[s]) * dot(qc[t], kc[s]) if s <= t else 0.0 for s in range(n)] for t in range(n)]
        Un = [[U[i][x] - sum(W[i][r] * S[r][x] for r in range(K)) for x in range(V)] for i in range(n)]
        for t in range(n):
            o = [math.exp(b[t]) * sum(qc[t][r] * S[r][x] for r in range(K)) + sum(P[t][s] * Un[s][x] for s in range(n))
                 for x in range(V)]
            out.append([scale * y for y in o])
        last = b[n - 1]
        S = [[math.exp(last) * S[r][x] + sum(math.exp(last - b[s]) * kc[s][r] * Un[s][x] for s in range(n))
              for x in range(V)] for r in range(K)]
    return out, S

def model():
    rnd = random.Random(0)
    worst = 0.0
    for gated in (False, True):
        for T in (5, 8, 19):
            K, V, C = 6, 3, 8
            norm = lambda x: [y / math.sqrt(sum(z * z for z in x)) for y in x]
            q = [[rnd.gauss(0, 1) for _ in range(K)] for _ in range(T)]
            k = [norm([rnd.gauss(0, 1) for _ in range(K)]) for _ in range(T)]
            v = [[rnd.gauss(0, 1) for _ in range(V)] for _ in range(T)]
            beta = [1 / (1 + math.exp(-rnd.gauss(0, 1))) for _ in range(T)]
            g = [-math.log1p(math.exp(-rnd.gauss(0, 1))) if gated else 0.0 for _ in range(T)]
            S0 = [[rnd.gauss(0, 1) for _ in range(V)] for _ in range(K)]
            o1, s1 = model_recurrence(q, k, v, beta, g, S0, K ** -0.5)
            for form, chunked in (("v0", model_chunked), ("split", model_split)):
                o2, s2 = chunked(q, k, v, beta, g, S0, K ** -0.5, C)
                err = max(abs(a - b) for r1, r2 in zip(o1 + s1, o2 + s2) for a, b in zip(r1, r2))
                worst = max(worst, err)
                print(f"model {form} gated={gated} T={T} C={C}: max abs diff {err:.2e}")
    print("ok" if worst < 1e-9 else "FAIL"); sys.exit(0 if worst < 1e-9 else 1)

if __name__ == "__main__" and "--build" in sys.argv:
    build(); sys.exit(0)
if __name__ == "__main__" and "--model" in sys.argv:
    model()

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
    path = os.path.join(CUBINS, cfg_name(c) + ".cubin")
    check(cuda.cuModuleLoadData(ctypes.byref(mod), open(path, "rb").read()), "load")
    def entry(name, threads):
        f = ctypes.c_void_p()
        check(cuda.cuModuleGetFunction(ctypes.byref(f), mod, name.encode()), "getFunction")
        dptr, size = ctypes.c_uint64(), ctypes.c_size_t()
        check(cuda.cuModuleGetGlobal_v2(ctypes.byref(dptr), ctypes.byref(size), mod, f"{name}_smem_bytes".encode()), "global")
        smem = ctypes.c_int()
        check(cuda.cuMemcpyDtoH_v2(ctypes.byref(smem), dptr, 4), "dtoh")
        check(cuda.cuFuncSetAttribute(f, 8, smem.value), "setAttribute")  # MAX_DYNAMIC_SHARED_SIZE_BYTES
        return (f, smem.value, threads)
    return {kind: (entry(f"prep_{kind}", PREP_WARPS * 32), entry(f"walk_{kind}", c[6] * 32))
            for kind in KINDS + ("gated_f16",)}

def targ(t):
    a = Tensor()
    if t is None:
        return a
    a.ptr = t.data_ptr()
    for d in range(t.dim()):
        a.stride[d] = t.stride(d); a.size[d] = t.size(d)
    return a

def launcher(kern, c, q, k, v, o, beta, g=None, s0=None, s1=None, cu=None, stage=None):
    """q, k, v, o: canonical [B, H, T, D] views; beta, g: [B, H, T] views (any strides).
    The prepare stage, then the walk, over a workspace allocated here (stage "prep" or
    "walk" launches one of them only, for per-stage timing)."""
    hk, hv, sv = c[1], c[2], c[3]
    p = Params()
    p.q, p.k, p.v, p.o, p.g, p.beta = targ(q), targ(k), targ(v), targ(o), targ(g), targ(beta)
    p.state_in = s0.data_ptr() if s0 is not None else None
    p.state_out = s1.data_ptr() if s1 is not None else None
    p.cu_seqlens = cu.data_ptr() if cu is not None else None
    n = (cu.numel() - 1) if cu is not None else q.shape[0]
    B, H, T = q.shape[0], q.shape[1], q.shape[2]
    p.num_seqs, p.heads, p.seq_len, p.scale = n, H, T, q.shape[3] ** -0.5
    args = (ctypes.c_void_p * 1)(ctypes.addressof(p))
    rows = 1 if cu is not None else B
    workspace = torch.empty(rows * H * T * (2 * hk + 2 * hv + 2 * CHUNK + 4), dtype=torch.uint8, device="cuda")
    p.workspace = workspace.data_ptr()
    prep_grid = (T // CHUNK + n, H, 1) if cu is not None else ((T + CHUNK - 1) // CHUNK, H, B)
    staged = [(kern[0], prep_grid), (kern[1], (hv // sv, H, n))]
    launches = [s for s, name in zip(staged, ("prep", "walk")) if stage in (None, name)]
    def run():
        stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)
        for (f, smem, threads), grid in launches:
            check(cuda.cuLaunchKernel(f, *grid, threads, 1, 1, smem, stream, args, None), "launch")
    run.keep = (p, args, workspace)
    return run

def reference(q, k, v, beta, g, s0):
    """float64 token recurrence, canonical [B, H, T, D]; g None for the plain delta rule."""
    q, k, v, beta = q.double(), k.double(), v.double(), beta.double()
    B, H, T, K = q.shape; V = v.shape[-1]
    S = s0.double().clone()
    o = torch.empty(B, H, T, V, dtype=torch.float64, device=q.device)
    for t in range(T):
        if g is not None:
            S *= g[:, :, t].double().exp()[..., None, None]
        kS = torch.einsum("bhk,bhkv->bhv", k[:, :, t], S)
        S += beta[:, :, t, None, None] * k[:, :, t, :, None] * (v[:, :, t] - kS)[:, :, None, :]
        o[:, :, t] = torch.einsum("bhk,bhkv->bhv", q[:, :, t], S) * K ** -0.5
    return o, S

def rel(a, b):
    if torch.isnan(a).any():
        return float("inf")
    return ((a.double() - b).norm() / b.norm()).item()

def make_inputs(B, H, T, hk, hv, kind, layout, dtype=torch.bfloat16):
    """[B, T, H, D] storage for "bthd", contiguous [B, H, T, D] for "bhtd"; canonical views."""
    def canon(x):
        return x.transpose(1, 2).contiguous() if layout == "bhtd" else x.transpose(1, 2)
    q = torch.randn(B, T, H, hk, device="cuda")
    k = F.normalize(torch.randn(B, T, H, hk, device="cuda"), dim=-1)
    v = torch.randn(B, T, H, hv, device="cuda")
    beta = torch.sigmoid(torch.randn(B, T, H, device="cuda"))
    g = F.logsigmoid(torch.randn(B, T, H, device="cuda")) if kind == "gated" else None
    return (canon(q.to(dtype)), canon(k.to(dtype)), canon(v.to(dtype)), canon(beta),
            canon(g) if g is not None else None)

def correctness_case(funcs, c, kind, B, H, T, layout, dtype=torch.bfloat16, varlen=None):
    hk, hv = c[1], c[2]
    q, k, v, beta, g = make_inputs(B, H, T, hk, hv, kind, layout, dtype)
    o = torch.full(v.shape, float("nan"), device="cuda", dtype=dtype)
    kern = funcs["gated_f16" if dtype == torch.float16 else kind]
    n = len(varlen) - 1 if varlen else B
    s0 = torch.randn(n, H, hk, hv, device="cuda") * 0.1
    s1 = torch.full_like(s0, float("nan"))
    cu = torch.tensor(varlen, device="cuda", dtype=torch.int32) if varlen else None
    launcher(kern, c, q, k, v, o, beta, g, s0, s1, cu)()
    torch.cuda.synchronize()
    if varlen is None:
        ref, sref = reference(q, k, v, beta, g, s0)
        return rel(o, ref), rel(s1, sref)
    refs, serrs = torch.empty_like(o, dtype=torch.float64), []
    for i in range(n):
        a, b = varlen[i], varlen[i + 1]
        sl = lambda x: None if x is None else x[:, :, a:b]
        r, sr = reference(sl(q), sl(k), sl(v), sl(beta), sl(g), s0[i:i + 1])
        refs[:, :, a:b] = r
        serrs.append(rel(s1[i:i + 1], sr))
    return rel(o, refs), max(serrs)

def correctness(loaded):
    print("correctness: rel err ||o-ref||/||ref|| (final state), float64 recurrent reference", flush=True)
    worst = {}
    def note(key, label, e):
        worst[key] = max(worst.get(key, 0), *e)
        print(f"  {label}: {e[0]:.2e} ({e[1]:.2e})", flush=True)
    for c, funcs in loaded.items():
        for kind in KINDS:
            note((c, kind), f"{cfg_name(c)} {kind:6s} tiny T77", correctness_case(funcs, c, kind, 1, 1, 77, "bhtd"))
            for layout in ("bhtd", "bthd"):
                note((c, kind), f"{cfg_name(c)} {kind:6s} {layout} B2 H3 T1000",
                     correctness_case(funcs, c, kind, 2, 3, 1000, layout))
        note((c, "gated_f16"), f"{cfg_name(c)} gated fp16 T1000",
             correctness_case(funcs, c, "gated", 2, 3, 1000, "bhtd", dtype=torch.float16))
    # Lengths 300, 1, 699, 537; then 64, 0 (empty), 1, 235, 128: chunk-aligned, empty and
    # one-token sequences exercise the packed chunk grid of the prepare stage.
    for c in [c for c in loaded if c[0] != "main"][:3]:
        for kind in KINDS:
            for cu in ([0, 300, 301, 1000, 1537], [0, 64, 64, 65, 300, 428]):
                note((c, kind), f"{cfg_name(c)} {kind:6s} packed {cu}",
                     correctness_case(loaded[c], c, kind, 1, 2, cu[-1], "bthd", varlen=cu))
    for c in [c for c in loaded if c == CONFIGS[3]]:  # the walk with two warp groups
        note((c, "gated"), f"{cfg_name(c)} gated T65536", correctness_case(loaded[c], c, "gated", 1, 1, 65536, "bthd"))
    return worst

TIMING_T = (4096, 16384)
TIMING_H, TIMING_D, TIMING_TOKENS = 16, 128, 32768

def timing_inputs(T):
    """B*T = 32k, H = 16, K = V = 128, bf16 in [B, T, H, D] (FLA's layout)."""
    B, H, D = TIMING_TOKENS // T, TIMING_H, TIMING_D
    q = torch.randn(B, T, H, D, device="cuda", dtype=torch.bfloat16)
    k = F.normalize(torch.randn(B, T, H, D, device="cuda"), dim=-1).to(torch.bfloat16)
    v = torch.randn_like(q)
    beta = torch.sigmoid(torch.randn(B, T, H, device="cuda"))
    g = F.logsigmoid(torch.randn(B, T, H, device="cuda"))
    return q, k, v, beta, g

def fla_ops():
    sys.path.insert(0, "/tmp/site")
    try:
        from fla.ops.delta_rule import chunk_delta_rule
        from fla.ops.gated_delta_rule import chunk_gated_delta_rule
        return chunk_delta_rule, chunk_gated_delta_rule
    except Exception as ex:
        print("FLA not importable:", ex)
        return None

def fla_call(ops, kind, q, k, v, beta, g):
    D = q.shape[-1]
    if kind == "plain":
        return lambda: ops[0](q, k, v, beta.to(q.dtype), scale=D ** -0.5)
    return lambda: ops[1](q, k, v, g, beta.to(q.dtype), scale=D ** -0.5)

def warm(kind):
    ops = fla_ops()
    for T in TIMING_T:
        fla_call(ops, kind, *timing_inputs(T))()
        torch.cuda.synchronize()
        print(f"FLA {FLA_NAME[kind]} T{T} compiled", flush=True)

def timing(loaded):
    ops = fla_ops()
    bench = lambda fn: triton.testing.do_bench(fn, warmup=25, rep=100, return_mode="median")
    rows = []
    for T in TIMING_T:
        q, k, v, beta, g = timing_inputs(T)
        o = torch.empty_like(q)
        cq, ck, cv, co, cb, cg = (x.transpose(1, 2) for x in (q, k, v, o, beta, g))
        for kind in KINDS:
            gate = cg if kind == "gated" else None
            per = {}
            for c, funcs in loaded.items():
                if c[1] != TIMING_D:
                    continue
                run = lambda stage=None: launcher(funcs[kind], c, cq, ck, cv, co, cb, gate, stage=stage)
                per[c] = (bench(run()), bench(run("prep")), bench(run("walk")))
                print(f"  T{T} {kind} {cfg_name(c):28} {per[c][0]:.3f} ms (prep {per[c][1]:.3f} + walk {per[c][2]:.3f})",
                      flush=True)
            best = min((c for c in per if c[0] != "main"), key=lambda c: per[c][0])
            base = next((c for c in per if c[0] == "main"), None)
            t_fla, agree = None, None
            if ops is not None:
                fn = fla_call(ops, kind, q, k, v, beta, g)
                try:
                    t_fla = bench(fn)
                    # Same inputs (beta rounded to bf16 for both), output of the best config.
                    launcher(loaded[best][kind], best, cq, ck, cv, co, cb.to(q.dtype).float(), gate)()
                    ref = fn()[0]
                    agree = ((o.float() - ref.float()).norm() / ref.float().norm()).item()
                except Exception as ex:
                    print(f"  FLA {kind} failed: {str(ex)[:300]}")
            print(f"  T{T} {kind}: FLA {t_fla} (rel diff best vs FLA {agree})", flush=True)
            rows.append((T, kind, best, per[best], per[base] if base else None, t_fla))
    print("\nratio table (B*T=32k, H=16, K=V=128, bf16, [B,T,H,D], median ms; ratio = FLA/attnc):")
    print(f"{'T':>6} {'variant':8} {'best cfg':28} {'ms':>6} {'prep':>6} {'walk':>6} {'main ms':>8} "
          f"{'FLA ms':>7} {'vs FLA':>7} {'main vs FLA':>11}")
    for T, kind, best, t, tb, t_fla in rows:
        main_ms = f"{tb[0]:8.3f}" if tb else f"{'-':>8}"
        ratio = f"{t_fla / t[0]:6.2f}x" if t_fla else f"{'-':>7}"
        ratio_main = f"{t_fla / tb[0]:10.2f}x" if t_fla and tb else f"{'-':>11}"
        print(f"{T:6d} {kind:8} {cfg_name(best):28} {t[0]:6.3f} {t[1]:6.3f} {t[2]:6.3f} {main_ms} "
              f"{(t_fla or 0):7.3f} {ratio} {ratio_main}  {FLA_NAME[kind]}")

if __name__ == "__main__":
    torch.manual_seed(0)
    CUBINS = cubin_dir()
    loaded = {c: load(c) for c in CONFIGS if os.path.exists(os.path.join(CUBINS, cfg_name(c) + ".cubin"))}
    if not loaded:
        sys.exit(f"no cubins in {CUBINS}: run --build first (and carry the folder)")
    print(f"cubins from {CUBINS}: " + ", ".join(cfg_name(c) for c in loaded), flush=True)
    if "--warm" in sys.argv:
        warm(sys.argv[sys.argv.index("--warm") + 1]); sys.exit(0)
    if "--quick" in sys.argv:
        loaded = {c: f for c, f in loaded.items() if c == CONFIGS[3]}
    worst = {} if "--no-check" in sys.argv else correctness(loaded)
    if "--no-timing" not in sys.argv:
        timing(loaded)
    if worst:
        print("\nworst rel err per config and kind (output or final state):")
        for (c, kind), e in worst.items():
            print(f"  {cfg_name(c):28} {kind:10}: {e:.2e}")
        limit = 1e-2
        bad = [k for k, e in worst.items() if not e < limit]
        print("FAIL: " + ", ".join(f"{cfg_name(c)} {k}" for c, k in bad) if bad else f"ok: every rel err < {limit}")
