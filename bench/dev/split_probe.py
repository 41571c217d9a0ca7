"""Probe of the split path of the chunkwise linear kernels (templates/attnc/LinearSegment.cuh,
LinearSegmentState.cuh) on the device machine. `--model` (no GPU, no torch) checks the
split's index arithmetic (segments, pre-pass pieces, fold order) in pure Python floats
against the token recurrence. `--build` (any machine with nvcc) compiles
bench/dev/linear_probe.cu (every entry with its `_state` pre-pass twin) for the configs
below into .dev/split/cubins; the default run loads them through libcuda by ctypes (the
AttncLinearParams mirror of linear_probe.py), checks every gate kind on the split path
against a float64 recurrent reference (ragged T, empty segments, packed sequences shorter
than a segment, non-zero initial state, NaN-poisoned output and final state, both layouts),
then times P segments per sequence (and each stage of the best T = 16k split alone)
against flash-linear-attention's chunk kernels, with SDPA causal as the softmax reference, at
B*T = 32k, H = 16, K = V = 128, bf16, inputs rotated over two sets (triton do_bench
medians), and prints a ratio table last. `--no-check` skips the correctness part,
`--no-timing` the timing; `--warm [KIND]` only runs each FLA kernel (of one gate kind)
once per shape (Triton compiles and autotunes, cached on disk; several kinds can warm in
parallel processes), so a later timing run measures no compilation."""
import ctypes, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CUBINS = os.path.join(ROOT, ".dev", "split", "cubins")
# (K, V, V slice, chunk, key sub-tile, warps, with the per-channel entry), as linear_probe.
CONFIGS = [(128, 128, 64, 64, 32, 4, 0), (128, 128, 64, 64, 16, 4, 1), (128, 128, 128, 128, 16, 8, 0)]
KINDS = ("none", "head", "token", "channel")
FLA_NAME = {"none": "chunk_linear_attn", "head": "chunk_simple_gla(g_gamma)",
            "token": "chunk_simple_gla(g)", "channel": "chunk_gla"}
# Segment counts timed per (T, gate kind, config index); the first run of this probe
# (bench/NOTES.md) showed splits of a full grid (T = 4k) only lose.
SCALAR = {16384: {0: (2, 4, 8), 2: (2, 3, 4)}, 4096: {0: (1,), 2: (1,)}}
SWEEP = {T: {kind: ({1: (1, 2, 3, 4)} if T == 16384 else {1: (1,)}) if kind == "channel" else SCALAR[T]
             for kind in ("none", "head", "token", "channel")} for T in (16384, 4096)}
SMS, SMEM_PER_SM = 132, 233472  # H100
CTAS_PER_SM, SMEM_RESERVED, MIN_SEG_CHUNKS, MAX_SEGMENTS, MAX_PIECES = 2, 1024, 8, 64, 16  # runtime/LinearLaunch.h


def cfg_name(c):
    return "k{}_v{}_s{}_c{}_u{}_w{}_g{}".format(*c)


def build():
    os.makedirs(CUBINS, exist_ok=True)
    for c in CONFIGS:
        hk, hv, sv, ch, sub, nw, channel = c
        cmd = ["nvcc", "-std=c++17", "-cubin", "-gencode=arch=compute_90a,code=sm_90a", "-Xptxas", "-v",
               f"-I{ROOT}/templates", f"-DLP_HK={hk}", f"-DLP_HV={hv}", f"-DLP_SV={sv}", f"-DLP_CH={ch}",
               f"-DLP_SUB={sub}", f"-DLP_NW={nw}"] + ([] if channel else ["-DLP_NO_CHANNEL=1"]) + [
               os.path.join(HERE, "linear_probe.cu"), "-o", os.path.join(CUBINS, cfg_name(c) + ".cubin")]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            print(r.stderr); sys.exit(1)
        if "spill" in r.stderr and any(" 0 bytes spill" not in l for l in r.stderr.splitlines() if "spill stores" in l):
            print(r.stderr); sys.exit("spills")
        print(cfg_name(c), "ok")


def model():
    """The split path's index arithmetic in pure Python floats (no GPU, no torch), as the
    kernels compute it: LinearSegment::of's balanced pieces, the pre-pass's (P - 1) R local
    records, the fold over all of them in order, segment i starting from record i R - 1;
    against the token recurrence S_t = exp(g_t) S_{t-1} + k_t v_t^T, o_t = q_t S_t, on
    scalar per-token gates (0: plain) and ragged T."""
    import math, random
    rnd = random.Random(1)
    K = V = 2
    worst = 0.0
    for T, CH, P, R, gate in [(8192 // 64, 2, 3, 2, 0.0), (8192 // 64, 2, 3, 5, -0.01), (77, 4, 3, 2, 0.0),
                              (1000 // 16, 2, 4, 3, -0.02), (9, 2, 3, 4, 0.0), (200, 4, 5, 2, 0.0)]:
        q, k, v = ([[rnd.gauss(0, 1) for _ in range(D)] for _ in range(T)] for D in (K, K, V))
        g = [gate * rnd.random() for _ in range(T)]
        S0 = [[rnd.gauss(0, 1) for _ in range(V)] for _ in range(K)]
        def walk(S, t0, t1):  # the recurrence over tokens [t0, t1), returning outputs too
            S = [row[:] for row in S]
            out = []
            for t in range(t0, t1):
                f = math.exp(g[t])
                S = [[f * S[a][b] + k[t][a] * v[t][b] for b in range(V)] for a in range(K)]
                out.append([sum(q[t][a] * S[a][b] for a in range(K)) for b in range(V)])
            return S, out
        zero = [[0.0] * V for _ in range(K)]
        ref_S, ref_o = walk(S0, 0, T)
        chunks = -(-T // CH)
        pieces = P * R
        bounds = lambda i, n: (min(T, chunks * i // n * CH), min(T, chunks * (i + 1) // n * CH))
        records = []
        for j in range((P - 1) * R):  # pre-pass: local states from zero, total log decay
            a, b = bounds(j, pieces)
            L, _ = walk(zero, a, b)
            records.append((L, sum(g[a:b])))
        s, folded = S0, []
        for L, d in records:  # fold, in order
            s = [[math.exp(d) * s[x][y] + L[x][y] for y in range(V)] for x in range(K)]
            folded.append(s)
        o, final = [], None
        for i in range(P):  # main: segment i from record i R - 1
            a, b = bounds(i, P)
            start = S0 if i == 0 else folded[i * R - 1]
            final, out = walk(start, a, b)
            o += out
        err = max(abs(x - y) for r1, r2 in zip(o, ref_o) for x, y in zip(r1, r2))
        err = max(err, max(abs(x - y) for r1, r2 in zip(final, ref_S) for x, y in zip(r1, r2)))
        worst = max(worst, err)
        print(f"  model T{T} chunk {CH} P{P} R{R} gate {gate}: max abs diff {err:.1e}")
    print(f"worst {worst:.1e}")
    sys.exit(0 if worst < 1e-9 else 1)


if __name__ == "__main__" and "--build" in sys.argv:
    build(); sys.exit(0)
if __name__ == "__main__" and "--model" in sys.argv:
    model()

sys.path.insert(0, HERE)
import torch, triton
import torch.nn.functional as F
import linear_probe as lp

cuda = lp.cuda


def load(c):
    mod = ctypes.c_void_p()
    lp.check(cuda.cuModuleLoadData(ctypes.byref(mod), open(os.path.join(CUBINS, cfg_name(c) + ".cubin"), "rb").read()), "load")
    funcs = {}
    for kind in KINDS:
        pair = []
        for name in (f"linear_{kind}", f"linear_{kind}_state", f"linear_{kind}_fold"):
            f = ctypes.c_void_p()
            if cuda.cuModuleGetFunction(ctypes.byref(f), mod, name.encode()) != 0:
                break
            pair.append(f)
        if len(pair) != 3:
            continue
        dptr, size, smem = ctypes.c_uint64(), ctypes.c_size_t(), ctypes.c_int()
        lp.check(cuda.cuModuleGetGlobal_v2(ctypes.byref(dptr), ctypes.byref(size), mod, f"linear_{kind}_smem_bytes".encode()), "global")
        lp.check(cuda.cuMemcpyDtoH_v2(ctypes.byref(smem), dptr, 4), "dtoh")
        for f in pair[:2]:
            lp.check(cuda.cuFuncSetAttribute(f, 8, smem.value), "setAttribute")
        funcs[kind] = (pair[0], pair[1], pair[2], smem.value)
    return funcs


def auto_segments(c, smem, n, H, tokens):
    """runtime's linearSegmentsFor on an H100."""
    ctas = (c[1] // c[2]) * H * n
    slots = SMS * max(1, min(CTAS_PER_SM, SMEM_PER_SM // (smem + SMEM_RESERVED)))
    if 2 * ctas > slots:
        return 1
    chunks = -(-(tokens // n) // c[3])
    return max(1, min(slots // ctas, chunks // MIN_SEG_CHUNKS, MAX_SEGMENTS))


def auto_pieces(c, smem, n, H, tokens, P):
    """runtime's linearStatePiecesFor on an H100: R pre-pass pieces per earlier segment."""
    if P <= 1:
        return 1
    ctas = (c[1] // c[2]) * H * n * (P - 1)
    slots = SMS * max(1, min(CTAS_PER_SM, SMEM_PER_SM // (smem + SMEM_RESERVED)))
    if 2 * ctas > slots:
        return 1
    seg_chunks = -(-(tokens // n) // c[3]) // P
    return max(1, min(slots // ctas, seg_chunks // MIN_SEG_CHUNKS, MAX_PIECES))


def launcher(kern, c, P, q, k, v, o, g=None, hdecay=None, s0=None, s1=None, cu=None, R=1):
    """The three stages of a split launch (only the main one for P = 1) on canonical views,
    the state pre-pass cut into R pieces per earlier segment."""
    (main, state, fold, smem), (hk, hv, sv, ch, sub, nw, _) = kern, c
    n = (cu.numel() - 1) if cu is not None else q.shape[0]
    H = q.shape[1]
    p = lp.Params()
    p.q, p.k, p.v, p.o, p.g = lp.targ(q), lp.targ(k), lp.targ(v), lp.targ(o), lp.targ(g)
    p.head_log_decay = hdecay.data_ptr() if hdecay is not None else None
    p.state_in = s0.data_ptr() if s0 is not None else None
    p.state_out = s1.data_ptr() if s1 is not None else None
    p.cu_seqlens = cu.data_ptr() if cu is not None else None
    p.num_seqs, p.heads, p.seq_len, p.scale = n, H, q.shape[2], hk ** -0.5
    ws = torch.empty(max(1, n * H * (P - 1) * R * hk * (hv + 1)), device="cuda", dtype=torch.float32)
    p.workspace = ws.data_ptr() if P > 1 else None
    p.num_segments = P
    p.state_pieces = R
    args = (ctypes.c_void_p * 1)(ctypes.addressof(p))

    def run(only=None):  # only: "state", "fold" or "main" launches that stage alone (timing)
        stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)
        if P > 1 and only in (None, "state"):
            lp.check(cuda.cuLaunchKernel(state, hv // sv, H, n * (P - 1) * R, nw * 32, 1, 1, smem, stream, args, None), "state")
        if P > 1 and only in (None, "fold"):
            lp.check(cuda.cuLaunchKernel(fold, hv // sv, H, n, nw * 32, 1, 1, 0, stream, args, None), "fold")
        if only in (None, "main"):
            lp.check(cuda.cuLaunchKernel(main, hv // sv, H, n * P, nw * 32, 1, 1, smem, stream, args, None), "main")
    run.keep = (p, args, ws)
    return run


def case(funcs, c, kind, P, B, H, T, layout, varlen=None, strong=False, R=1):
    hk, hv = c[0], c[1]
    def make(D):
        x = torch.randn(B, T, H, D, device="cuda", dtype=torch.bfloat16)
        return x.transpose(1, 2).contiguous() if layout == "bhtd" else x.transpose(1, 2)
    q, k, v = make(hk), make(hk), make(hv)
    g = lp.make_gates(kind, B, H, T, hk, strong, layout)
    hdecay = torch.log(1 - 2.0 ** (-5.0 - torch.arange(H, device="cuda", dtype=torch.float32))) if kind == "head" else None
    o = torch.full(v.shape, float("nan"), device="cuda", dtype=torch.bfloat16)
    n = B if varlen is None else len(varlen) - 1
    s0 = torch.randn(n, H, hk, hv, device="cuda")
    s1 = torch.full_like(s0, float("nan"))
    cu = torch.tensor(varlen, device="cuda", dtype=torch.int32) if varlen is not None else None
    launcher(funcs[kind], c, P, q, k, v, o, g, hdecay, s0, s1, cu, R=R)()
    torch.cuda.synchronize()
    if varlen is None:
        ref, sref = lp.reference(q, k, v, kind, g, hdecay, s0)
        return lp.rel(o, ref), lp.rel(s1, sref)
    refs = torch.zeros_like(o, dtype=torch.float64)
    serrs = []
    for i in range(n):
        a, b = varlen[i], varlen[i + 1]
        sl = lambda x: None if x is None else x[:, :, a:b]
        r, sr = lp.reference(sl(q), sl(k), sl(v), kind, sl(g), hdecay, s0[i:i + 1])
        refs[:, :, a:b] = r
        serrs.append(lp.rel(s1[i:i + 1], sr))
    return lp.rel(o, refs), max(serrs)


def correctness(loaded):
    print("correctness of the split path: rel err ||o-ref||/||ref|| (final state)", flush=True)
    worst = 0.0
    for ci, c in enumerate(CONFIGS):
        funcs = loaded[c]
        for kind in KINDS:
            if kind not in funcs:
                continue
            cases = [(1, 2, 3, 1000, "bthd", None), (3, 2, 3, 1000, "bthd", None), (5, 2, 3, 1000, "bhtd", None), (3, 1, 2, 77, "bthd", None),
                     (4, 1, 2, 1537, "bthd", [0, 300, 301, 1000, 1537])]
            if ci == 1:
                cases.append((4, 1, 3, 171, "bhtd", [0, 1, 41, 171]))
            for P, B, H, T, layout, varlen in cases:
                e = case(funcs, c, kind, P, B, H, T, layout, varlen)
                worst = max(worst, *e)
                shape = f"packed {varlen}" if varlen else f"B{B} H{H} T{T}"
                print(f"  {cfg_name(c)} {kind:8s} P{P} {layout} {shape}: {e[0]:.2e} ({e[1]:.2e})", flush=True)
    for kind in ("none", "channel"):  # the pre-pass cut into pieces: 5 per segment, 3 segments
        e = case(loaded[CONFIGS[1]], CONFIGS[1], kind, 3, 1, 2, 8192, "bhtd", R=5)
        worst = max(worst, *e)
        print(f"  {cfg_name(CONFIGS[1])} {kind:8s} P3 R5 B1 H2 T8192: {e[0]:.2e} ({e[1]:.2e})", flush=True)
    for kind in ("token", "channel"):
        e = case(loaded[CONFIGS[1]], CONFIGS[1], kind, 8, 1, 1, 16384, "bthd", strong=True)
        worst = max(worst, *e)
        print(f"  {cfg_name(CONFIGS[1])} {kind:8s} P8 T16384 gates ~logsigmoid(-8): {e[0]:.2e} ({e[1]:.2e})", flush=True)
    print(f"worst rel err on the split path: {worst:.2e}", flush=True)


def timing(loaded, warm_only=False, kinds=KINDS):
    """With warm_only, calls each FLA kernel once per shape (Triton compiles and autotunes,
    cached on disk for the timing process) and times nothing."""
    sys.path.insert(0, "/tmp/site")
    from fla.ops.linear_attn import chunk_linear_attn
    from fla.ops.simple_gla import chunk_simple_gla
    from fla.ops.gla import chunk_gla
    bench = lambda fn: triton.testing.do_bench(fn, warmup=25, rep=100, return_mode="median")
    if warm_only:
        bench = lambda fn: (fn(), torch.cuda.synchronize(), 0.0)[-1]
    H, D = 16, 128
    rows, sdpa_ms = [], {}
    for T in (16384, 4096):
        B = 32768 // T
        sets = []
        for _ in range(2):
            q = torch.randn(B, T, H, D, device="cuda", dtype=torch.bfloat16)
            k = torch.randn_like(q) * D ** -0.5
            v = torch.randn_like(q)
            gt = F.logsigmoid(torch.randn(B, T, H, device="cuda"))
            gc = F.logsigmoid(torch.randn(B, T, H, D, device="cuda")) / 16
            sets.append((q, k, v, torch.empty_like(q), gt, gc))
        hdecay = torch.log(1 - 2.0 ** (-5.0 - torch.arange(H, device="cuda", dtype=torch.float32)))

        def rotated(fns):
            state = [0]
            def run():
                state[0] ^= 1
                fns[state[0]]()
            return run

        for kind in kinds:
            per, best, times = [], None, {}
            for ci, c in enumerate(CONFIGS if not warm_only else []):
                if kind not in loaded[c] or ci not in SWEEP[T][kind]:
                    continue
                for P in SWEEP[T][kind][ci]:
                    r_auto = auto_pieces(c, loaded[c][kind][-1], B, H, B * T, P)
                    for R in sorted({1, r_auto}):
                        fns = []
                        for (q, k, v, o, gt, gc) in sets:
                            g = {"token": gt.transpose(1, 2), "channel": gc.transpose(1, 2)}.get(kind)
                            fns.append(launcher(loaded[c][kind], c, P, *(x.transpose(1, 2) for x in (q, k, v, o)), g,
                                                hdecay if kind == "head" else None, R=R))
                        t = bench(rotated(fns))
                        if R == r_auto:
                            times[(ci, P)] = t
                        auto = auto_segments(c, loaded[c][kind][-1], B, H, B * T) == P and R == r_auto
                        per.append(f"{cfg_name(c)[12:]}/P{P}{f'R{R}' if R > 1 else ''}{'*' if auto else ''}:{t:.3f}")
                        if R == r_auto and (best is None or t < best[0]):
                            best = (t, c, P, R)
            fla = {"none": lambda s: (lambda: chunk_linear_attn(s[0], s[1], s[2], normalize=False)),
                   "head": lambda s: (lambda: chunk_simple_gla(s[0], s[1], s[2], g_gamma=hdecay)),
                   "token": lambda s: (lambda: chunk_simple_gla(s[0], s[1], s[2], g=s[4])),
                   "channel": lambda s: (lambda: chunk_gla(s[0], s[1], s[2], g=s[5]))}[kind]
            t_fla = bench(rotated([fla(s) for s in sets]))
            if warm_only:
                print(f"  FLA {kind} T{T} ready", flush=True)
                continue
            print(f"  T{T} {kind}: FLA {t_fla:.3f}  attnc " + " ".join(per), flush=True)
            ci = 1 if kind == "channel" else 2  # the default config on sm_90a (LinearConfig.cpp)
            default = times.get((ci, auto_segments(CONFIGS[ci], loaded[CONFIGS[ci]][kind][-1], B, H, B * T)))
            rows.append((T, kind, best, t_fla, default))
        if not warm_only:  # the softmax reference: SDPA causal (FlashAttention-2 backend) on the same q, k, v
            from torch.nn.attention import sdpa_kernel, SDPBackend
            with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
                sdpa = [lambda s=s: F.scaled_dot_product_attention(*(x.transpose(1, 2) for x in s[:3]), is_causal=True)
                        for s in sets]
                sdpa_ms[T] = bench(rotated(sdpa))
            print(f"  T{T} SDPA causal (flash): {sdpa_ms[T]:.3f}", flush=True)
            if T == 16384:  # where the split path's time goes: each stage of the best scalar config alone
                for kind in ("none", "channel"):
                    row = [r for r in rows if r[0] == T and r[1] == kind]
                    if not row or row[0][2][2] < 2:
                        continue
                    _, c, P, R = row[0][2]
                    q, k, v, o, gt, gc = sets[0]
                    g = {"channel": gc.transpose(1, 2)}.get(kind)
                    run = launcher(loaded[c][kind], c, P, *(x.transpose(1, 2) for x in (q, k, v, o)), g, R=R)
                    parts = {name: bench(lambda only=name: run(only)) for name in ("state", "fold", "main")}
                    print(f"  T{T} {kind} {cfg_name(c)} P{P} stages alone: " +
                          " ".join(f"{n} {t:.3f}" for n, t in parts.items()) + f" (all {row[0][2][0]:.3f}, R {R})", flush=True)
        del sets
        torch.cuda.empty_cache()
    if warm_only:
        return
    print("\nratio table (B*T=32k, H=16, K=V=128, bf16, [B,T,H,D], median ms, 2 input sets rotated; ratio = FLA/attnc):")
    print("default = the default config with the automatic P (runtime's linearSegmentsFor for 132 SMs)")
    print("P and R: segments per sequence, and the state pre-pass's pieces per earlier segment (runtime's linearStatePiecesFor)")
    print(f"{'T':>6} {'variant':8} {'default ms':>10} {'vs FLA':>7} {'best ms':>8} {'best cfg':29} {'P':>2} {'R':>2} {'vs FLA':>7} {'FLA ms':>8}  peer")
    for T, kind, best, t_fla, default in rows:
        d = f"{default:10.3f} {t_fla / default:6.2f}x" if default else f"{'-':>10} {'-':>7}"
        print(f"{T:6d} {kind:8} {d} {best[0]:8.3f} {cfg_name(best[1]):29} {best[2]:2d} {best[3]:2d} {t_fla / best[0]:6.2f}x {t_fla:8.3f}  {FLA_NAME[kind]}")
    for T, t in sdpa_ms.items():
        print(f"{T:6d} softmax reference: SDPA causal (FlashAttention-2 backend) {t:.3f} ms on the same q, k, v")


if __name__ == "__main__":
    torch.manual_seed(0)
    loaded = {c: load(c) for c in CONFIGS}
    if "--warm" in sys.argv:  # --warm [KIND]: one gate kind, so several can compile at once
        at = sys.argv.index("--warm")
        kinds = (sys.argv[at + 1],) if at + 1 < len(sys.argv) else KINDS
        timing(loaded, warm_only=True, kinds=kinds)
        sys.exit(0)
    if "--no-check" not in sys.argv:
        correctness(loaded)
    if "--no-timing" not in sys.argv:
        timing(loaded)
