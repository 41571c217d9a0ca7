"""mLSTM forward (templates/attnc/LinearMlstm.cuh) through the compiler, against a float64
recurrence, NX-AI's mlstm_kernels (TFLA) and FLA's chunk_simple_gla, on the device machine.

  --build   (any machine with the attnc binary) compiles examples/mlstm.attn (exponential
            input gate) and examples/mlstm_sig.attn (sigmoid input gate) with NVRTC for
            sm_90a per tile config, bf16 at K = V = 128, plus fp16 and K = 64 for the first
            config, into .dev/mlstm/cubins with a manifest (entry, shared memory, threads);
            fails on spills (--no-spills).
  default   (device machine, torch + triton; wheels mlstm_kernels, einops, FLA installed
            --no-deps --target /tmp/site) loads the cubins through libcuda by ctypes with an
            AttncLinearParams mirror; checks every config against the float64 recurrence
            (NaN-poisoned o and final states, non-zero stabilised initial state, both
            layouts, fp16, K = 64, packed sequences, T = 1, strong and weak forget gates with
            wide input gates up to T = 65536, input-gate spikes of +-90 that overflow exp in
            fp32); compares with TFLA's output; times attnc (every config), TFLA's
            mlstm_chunkwise__xl_chunk / mlstm_siging_chunkwise__xl_chunk (chunk 128, their
            default) and FLA's chunk_simple_gla (context: no normaliser), all at B*T = 32k,
            H = 16, K = V = 128, bf16, [B, H, T, D], triton do_bench medians over two rotated
            input sets; prints the ratio table last. TFLA runs in a child process (its Triton
            kernels aborted inside Triton 3.6's LLVM with mlstm_kernels 2.0.2): it compiles and
            produces its outputs while this process checks correctness, then times alone.
  --no-timing skips the timing; --quick checks only two configs one by one.
"""
import ctypes, json, math, os, re, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEV = os.environ.get("MLSTM_DEV", os.path.join(ROOT, ".dev", "mlstm"))  # where --build writes
CUBINS = os.path.join(DEV, "cubins")
MANIFEST = os.path.join(CUBINS, "manifest.json")
EXAMPLES = {"exp": "examples/mlstm.attn", "sig": "examples/mlstm_sig.attn"}
CONFIGS = ["c64 sub32 v64 w4", "c128 sub16 v64 w8", "c128 sub32 v64 w8", "c64 sub16 v64 w4"]
K64_CONFIG = CONFIGS[3]
QUICK_CONFIGS = (CONFIGS[0], CONFIGS[2])  # --quick checks these per config (both are timed anyway)
TOKENS, HEADS, DIM = 32768, 16, 128
TIMING_T = (4096, 16384)
TFLA_CHECK = dict(B=2, H=4, T=1024)  # TFLA needs T % 16 == 0
TFLA_CHUNK = 128                     # mlstm_kernels' default and recommended chunk size
WARM_WAIT_S, TIME_CHILD_S, GO_WAIT_S = 45, 30, 240  # the device run has 150 s in all
TFLA_OUTPUT = "/tmp/mlstm_bench_tfla_{}.pt"  # TFLA's output on the check inputs, per gate
SEED = 1234
FORGET_BIAS, FORGET_SPREAD = 3.0, 1.5  # as the C++ harness: xLSTM's forget bias is 3..6
INPUT_SPREAD = {"sig": 1.0, "exp": 2.0}
GLA_WEIGHT_CAP = 1e4  # FLA's simple GLA has no stabiliser: cap exp(igate) for the timing-only peer


def variant_name(kind, cfg, dtype, k):
    return f"{kind}_{dtype}_k{k}_" + cfg.replace(" ", "_")


def build(attnc):
    os.makedirs(CUBINS, exist_ok=True)
    variants = [(kind, cfg, "bf16", 128) for kind in EXAMPLES for cfg in CONFIGS]
    # K = 64 with c64 sub32 spills 4 B under NVRTC (not under nvcc); the CLI falls back to
    # c64 sub16, and so does this variant.
    variants += [(kind, CONFIGS[0], "f16", 128) for kind in EXAMPLES]
    variants += [(kind, K64_CONFIG, "bf16", 64) for kind in EXAMPLES]
    manifest = []
    for kind, cfg, dtype, k in variants:
        src = os.path.join(ROOT, EXAMPLES[kind])
        if dtype == "f16":
            text = open(src).read().replace("dtype bf16", "dtype f16")
            src = os.path.join(DEV, f"mlstm_{kind}_f16.attn")
            open(src, "w").write(text)
        chunk, sub, sv, w = (int(x[1:]) if x[0] != "s" else int(x[3:]) for x in cfg.split())
        name = variant_name(kind, cfg, dtype, k)
        out = os.path.join(CUBINS, name + ".cubin")
        cmd = [attnc, "compile", src, "--arch", "sm_90a", "--no-spills", "--chunk", str(chunk), "--sub", str(sub),
               "--slice-v", str(sv), "--warps", str(w), "--head-dim", str(k), "--head-dim-v", str(DIM), "-o", out]
        r = subprocess.run(cmd, capture_output=True, text=True)
        text = r.stdout + r.stderr
        if r.returncode:
            sys.exit(f"{' '.join(cmd)}\n{text}")
        smem = int(re.search(r"(\d+) B shared memory", text).group(1))
        entry, regs = re.search(r"(attnc_\w+): (\d+) registers", text).groups()
        manifest.append(dict(name=name, kind=kind, cfg=cfg, dtype=dtype, k=k, v=DIM, slice_v=sv, threads=32 * w,
                             smem=smem, entry=entry, cubin=name + ".cubin"))
        print(f"{name:40s} {regs} registers, {smem} B shared memory", flush=True)
    json.dump(manifest, open(MANIFEST, "w"), indent=1)


if __name__ == "__main__" and "--build" in sys.argv:
    build(sys.argv[sys.argv.index("--build") + 1] if len(sys.argv) > sys.argv.index("--build") + 1
          else os.path.join(ROOT, "build", "bin", "attnc"))
    sys.exit(0)

import torch
import torch.nn.functional as F

sys.path.insert(0, "/tmp/site")


def bench(fn):
    import triton
    return triton.testing.do_bench(fn, warmup=25, rep=100, return_mode="median")


def make_inputs(kind, B, H, T, K=DIM, V=DIM, dtype=torch.bfloat16, layout="bhtd", seed=SEED,
                f_shift=FORGET_BIAS, i_spread=None, spikes=0):
    """q, k, v [B, H, T, D] views (of [B, T, H, D] storage for 'bthd'), gate pre-activations
    [B, H, T] f32 (same layout), all deterministic in `seed`."""
    g = torch.Generator(device="cuda").manual_seed(seed)
    def tensor(D, dt):
        x = torch.randn(B, T, H, D, device="cuda", generator=g).to(dt)
        return x.transpose(1, 2).contiguous() if layout == "bhtd" else x.transpose(1, 2)
    q, k, v = tensor(K, dtype), tensor(K, dtype), tensor(V, dtype)
    fg = tensor(1, torch.float32)[..., 0] * FORGET_SPREAD + f_shift
    ig = tensor(1, torch.float32)[..., 0] * (i_spread or INPUT_SPREAD[kind])
    if spikes:
        pos = torch.randint(0, T, (spikes,), device="cuda", generator=g)
        ig[..., pos] = torch.where(torch.arange(spikes, device="cuda") % 2 == 0, 90.0, -90.0)
    return q, k, v, ig, fg


# ---- ctypes launch of the attnc cubins ----
cuda = ctypes.CDLL("libcuda.so.1")
torch.zeros(1, device="cuda")
cuda.cuInit(0)


sys.path.insert(0, os.path.join(HERE, "dev"))
from linear_abi import Params, Tensor  # AttncLinearParams, read from LinearParams.h


def check(rc, what):
    if rc != 0:
        raise RuntimeError(f"{what} failed: CUresult {rc}")


def load_kernels():
    kernels = {}
    for m in json.load(open(MANIFEST)):
        mod, f = ctypes.c_void_p(), ctypes.c_void_p()
        check(cuda.cuModuleLoadData(ctypes.byref(mod), open(os.path.join(CUBINS, m["cubin"]), "rb").read()), "load")
        check(cuda.cuModuleGetFunction(ctypes.byref(f), mod, m["entry"].encode()), "function")
        check(cuda.cuFuncSetAttribute(f, 8, m["smem"]), "max dynamic smem")
        kernels[m["name"]] = dict(m, func=f, module=mod)
    return kernels


def targ(t):
    a = Tensor()
    if t is not None:
        a.ptr = t.data_ptr()
        for d in range(t.dim()):
            a.stride[d], a.size[d] = t.stride(d), t.size(d)
    return a


def ptr(t):
    return None if t is None else t.data_ptr()


def launcher(kern, q, k, v, o, ig, fg, states_in=(None, None, None), states_out=(None, None, None), cu=None):
    """States are (C~, n~, m) tensors or None; returns a launch closure."""
    p = Params()
    p.q, p.k, p.v, p.o, p.g, p.igate = targ(q), targ(k), targ(v), targ(o), targ(fg), targ(ig)
    p.state_in, p.norm_in, p.max_in = (ptr(x) for x in states_in)
    p.state_out, p.norm_out, p.max_out = (ptr(x) for x in states_out)
    p.cu_seqlens = ptr(cu)
    n = (cu.numel() - 1) if cu is not None else q.shape[0]
    p.num_seqs, p.heads, p.seq_len, p.scale = n, q.shape[1], q.shape[2], q.shape[3] ** -0.5
    args = (ctypes.c_void_p * 1)(ctypes.addressof(p))
    grid = (kern["v"] // kern["slice_v"], q.shape[1], n)
    def run():
        stream = torch.cuda.current_stream().cuda_stream
        check(cuda.cuLaunchKernel(kern["func"], *grid, kern["threads"], 1, 1, kern["smem"], ctypes.c_void_p(stream),
                                  args, None), "launch")
    run.keep = (p, args, q, k, v, o, ig, fg, states_in, states_out, cu)
    return run


# ---- float64 reference: the DSL's recurrence, unstabilised ----
def reference(kind, q, k, v, ig, fg, C0=None, n0=None):
    q, k, v = q.double(), k.double(), v.double()
    B, H, T, K = q.shape
    V = v.shape[-1]
    C = C0.double().clone() if C0 is not None else torch.zeros(B, H, K, V, dtype=torch.float64, device="cuda")
    n = n0.double().clone() if n0 is not None else torch.zeros(B, H, K, dtype=torch.float64, device="cuda")
    f = F.logsigmoid(fg.double()).exp()
    i = ig.double().exp() if kind == "exp" else torch.sigmoid(ig.double())
    o = torch.empty(B, H, T, V, dtype=torch.float64, device="cuda")
    qs = q * K ** -0.5
    for t in range(T):
        ft, it = f[:, :, t, None], i[:, :, t, None]
        C = ft[..., None] * C + (it * k[:, :, t])[..., None] * v[:, :, t, None, :]
        n = ft * n + it * k[:, :, t]
        den = (qs[:, :, t] * n).sum(-1).abs().clamp_min(1.0)
        o[:, :, t] = (qs[:, :, t, None, :] @ C)[..., 0, :] / den[..., None]
    return o, C, n


def rel(a, b):
    if not torch.isfinite(a).all():
        return float("inf")
    return ((a.double() - b).norm() / b.norm()).item()


def initial_states(kind, N, H, K, V, with_state):
    if not with_state:
        return (None, None, None), None, None
    c0 = torch.rand(N, H, K, V, device="cuda") * 2 - 1
    n0 = torch.rand(N, H, K, device="cuda") * 2 - 1
    m0 = torch.rand(N, H, device="cuda") * 4 - 2 if kind == "exp" else None
    scale = m0.double().exp() if m0 is not None else torch.ones(N, H, dtype=torch.float64, device="cuda")
    return (c0, n0, m0), c0.double() * scale[..., None, None], n0.double() * scale[..., None]


def outputs(kind, N, H, K, V):
    nan = lambda *s: torch.full(s, float("nan"), device="cuda")
    return nan(N, H, K, V), nan(N, H, K), nan(N, H) if kind == "exp" else None


def unstabilised(kind, c1, n1, m1):
    if kind != "exp":
        return c1.double(), n1.double()
    e = m1.double().exp()
    return c1.double() * e[..., None, None], n1.double() * e[..., None]


def run_case(kern, B, H, T, layout="bhtd", with_state=True, varlen=None, **gates):
    kind, K, V = kern["kind"], kern["k"], kern["v"]
    dtype = torch.float16 if kern["dtype"] == "f16" else torch.bfloat16
    q, k, v, ig, fg = make_inputs(kind, B, H, T, K, V, dtype, layout, **gates)
    o = torch.full(v.shape, float("nan"), device="cuda", dtype=dtype)
    N = len(varlen) - 1 if varlen else B
    sin, c0, n0 = initial_states(kind, N, H, K, V, with_state)
    sout = outputs(kind, N, H, K, V)
    cu = torch.tensor(varlen, device="cuda", dtype=torch.int32) if varlen else None
    launcher(kern, q, k, v, o, ig, fg, sin, sout, cu)()
    torch.cuda.synchronize()
    C1, n1 = unstabilised(kind, *sout[:2], sout[2])
    if not varlen:
        ref, rC, rn = reference(kind, q, k, v, ig, fg, c0, n0)
        return rel(o, ref), max(rel(C1, rC), rel(n1, rn)), o
    ref = torch.empty(v.shape, dtype=torch.float64, device="cuda")
    serr = 0.0
    for s in range(N):
        a, b = varlen[s], varlen[s + 1]
        sl = lambda x: x[:, :, a:b]
        pick = lambda x: None if x is None else x[s:s + 1]
        r, rC, rn = reference(kind, sl(q), sl(k), sl(v), sl(ig), sl(fg), pick(c0), pick(n0))
        ref[:, :, a:b] = r
        serr = max(serr, rel(C1[s:s + 1], rC), rel(n1[s:s + 1], rn))
    return rel(o, ref), serr, o


def correctness(kernels, quick):
    print("correctness: ||o-ref||/||ref|| (worst final-state rel err of C and n), float64 recurrence", flush=True)
    worst = {}
    def show(label, kern, *case, **gates):
        try:
            e = run_case(kern, *case, **gates)[:2]
        except Exception as ex:  # report and go on: one broken case must not hide the rest
            print(f"  {kern['name']:40s} {label:44s} FAILED: {str(ex)[:300]}", flush=True)
            e = (float("inf"), float("inf"))
        worst[kern["name"]] = max(worst.get(kern["name"], 0.0), e[0], e[1])
        print(f"  {kern['name']:40s} {label:44s} {e[0]:.2e} ({e[1]:.2e})", flush=True)
    for name, kern in kernels.items():
        if kern["dtype"] != "bf16" or kern["k"] != DIM or (quick and kern["cfg"] not in QUICK_CONFIGS):
            continue
        for layout in ("bhtd", "bthd"):
            show(f"B2 H3 T1000 {layout} S0", kern, 2, 3, 1000, layout)
    for kind in EXAMPLES:
        first = kernels[variant_name(kind, CONFIGS[0], "bf16", DIM)]
        show("fp16 B2 H3 T1000 bthd S0", kernels[variant_name(kind, CONFIGS[0], "f16", DIM)], 2, 3, 1000, "bthd")
        show("K64 V128 B2 H3 T1000 bthd S0", kernels[variant_name(kind, K64_CONFIG, "bf16", 64)], 2, 3, 1000, "bthd")
        show("T77 no initial state", first, 1, 2, 77, "bhtd", with_state=False)
        show("T1 S0", first, 3, 1, 1, "bthd")
        show("packed [300, 1, 699, 537] bthd S0", first, 1, 2, 1537, "bthd", varlen=[0, 300, 301, 1000, 1537])
        show("T4096 fgate N(-8,1.5), igate N(0,4)", first, 1, 2, 4096, "bthd", f_shift=-8.0, i_spread=4.0)
    exp0 = kernels[variant_name("exp", CONFIGS[0], "bf16", DIM)]
    sig0 = kernels[variant_name("sig", CONFIGS[0], "bf16", DIM)]
    show("T65536 fgate N(6,1.5), igate N(0,3)", exp0, 1, 1, 65536, "bthd", f_shift=6.0, i_spread=3.0)
    show("T16384 fgate N(-8,1.5), igate N(0,3)", sig0, 1, 1, 16384, "bthd", f_shift=-8.0, i_spread=3.0)
    # exp(+90) overflows fp32: only the stabiliser keeps this finite. A spike then dominates
    # C for thousands of tokens and o = (q.k_s) v_s / |q.k_s| + small terms, so rounding the
    # stabilised state to bf16 alone costs ~5e-2 here (a float64 model with only that
    # rounding gives 6e-2): this case checks finiteness, not the bf16 tolerance.
    show("T16384 fgate N(6,1.5), igate N(0,3) + spikes +-90", exp0, 1, 1, 16384, "bthd", f_shift=6.0,
         i_spread=3.0, spikes=4)
    return worst


# ---- TFLA (mlstm_kernels) in a child process ----
def tfla_fn(kind):
    if kind == "exp":
        from mlstm_kernels.torch.chunkwise.triton_xl_chunk import mlstm_chunkwise__xl_chunk as fn
    else:
        from mlstm_kernels.torch.chunkwise.triton_xl_chunk_siging import mlstm_siging_chunkwise__xl_chunk as fn
    return lambda q, k, v, i, f: fn(q, k, v, i, f, eps=0.0, chunk_size=TFLA_CHUNK,
                                    autocast_kernel_dtype=torch.bfloat16)


def tfla_child(path, go):
    """Warms TFLA up (its outputs on the check inputs, saved for the parent; one run at each
    timing shape, so Triton compiles) while the parent checks correctness, then waits for
    the `go` file and times alone. Progress goes to `path` after every step, so a crash
    leaves the name of the step that died."""
    done = {}
    def record(key, value):
        done[key] = value
        json.dump(done, open(path, "w"))
    fns, sets = {}, {}
    for kind in EXAMPLES:
        record(f"{kind}/crashed", "died warming up")  # cleared below unless it aborts
        try:
            fns[kind] = fn = tfla_fn(kind)
            c = TFLA_CHECK
            with torch.no_grad():
                torch.save(fn(*make_inputs(kind, c["B"], c["H"], c["T"])).float(), TFLA_OUTPUT.format(kind))
                for T in TIMING_T:
                    sets[kind, T] = [make_inputs(kind, TOKENS // T, HEADS, T, seed=SEED + s) for s in range(2)]
                    fn(*sets[kind, T][0])
            torch.cuda.synchronize()
            record(f"{kind}/crashed", None)
        except Exception as ex:
            record(f"{kind}/crashed", f"{type(ex).__name__} warming up: {str(ex)[:300]}")
    record("warm", True)
    deadline = time.time() + GO_WAIT_S
    while not os.path.exists(go) and time.time() < deadline:
        time.sleep(0.2)
    for kind, fn in fns.items():
        if done.get(f"{kind}/crashed"):
            continue
        for T in TIMING_T:
            it = iter(range(1 << 30))
            with torch.no_grad():
                record(f"{kind}/T{T}", bench(lambda: fn(*sets[kind, T][next(it) % 2])))


def timing(kernels, quick, tfla_path):
    try:
        from fla.ops.simple_gla import chunk_simple_gla
    except Exception as ex:
        print("FLA not importable:", ex)
        chunk_simple_gla = None
    rows = []
    for T in TIMING_T:
        B = TOKENS // T
        for kind in EXAMPLES:
            sets = [make_inputs(kind, B, HEADS, T, seed=SEED + s) for s in range(2)]
            outs = [torch.empty_like(s[2]) for s in sets]
            per = {}
            for name, kern in kernels.items():
                if kern["kind"] != kind or kern["dtype"] != "bf16" or kern["k"] != DIM:
                    continue
                runs = [launcher(kern, *s[:3], o, s[3], s[4]) for s, o in zip(sets, outs)]
                it = iter(range(1 << 30))
                per[kern["cfg"]] = bench(lambda: runs[next(it) % 2]())
            t_fla = None
            if chunk_simple_gla is not None:  # context: simple GLA on (q, i k, v, logsigmoid f)
                glas = []
                for q, k, v, ig, fg in sets:  # FLA takes contiguous [B, T, H, D]
                    w = (ig.exp() if kind == "exp" else torch.sigmoid(ig)).clamp_max(GLA_WEIGHT_CAP)
                    glas.append(tuple(x.transpose(1, 2).contiguous() for x in
                                      (q, (k * w[..., None]).to(k.dtype), v, F.logsigmoid(fg))))
                it = iter(range(1 << 30))
                def gla():
                    q, k, v, g = glas[next(it) % 2]
                    return chunk_simple_gla(q, k, v, g=g)
                try:
                    t_fla = bench(gla)
                except Exception as ex:
                    print(f"  FLA simple_gla failed: {str(ex)[:200]}")
            rows.append([T, kind, per, t_fla])
            print(f"  T{T} {kind}: attnc " + " ".join(f"{c}:{t:.3f}" for c, t in per.items()) +
                  f" | FLA simple_gla {t_fla}", flush=True)
    return rows


def compare_tfla(kernels, tfla_path):
    print("attnc vs TFLA output on the same inputs (B2 H4 T1024, eps 0, no initial state):", flush=True)
    c = TFLA_CHECK
    for kind in EXAMPLES:
        kern = kernels[variant_name(kind, CONFIGS[0], "bf16", DIM)]
        q, k, v, ig, fg = make_inputs(kind, c["B"], c["H"], c["T"])
        o = torch.empty_like(v)
        launcher(kern, q, k, v, o, ig, fg)()
        ref = reference(kind, q, k, v, ig, fg)[0]
        line = f"  {kind}: attnc vs float64 {rel(o, ref):.2e}"
        if os.path.exists(TFLA_OUTPUT.format(kind)):
            t = torch.load(TFLA_OUTPUT.format(kind))
            line += f" | TFLA vs float64 {rel(t, ref):.2e} | attnc vs TFLA {rel(o, t.double()):.2e}"
        print(line, flush=True)


def wait_for(pred, seconds):
    deadline = time.time() + seconds
    while not pred() and time.time() < deadline:
        time.sleep(0.2)


def main():
    quick, no_timing = "--quick" in sys.argv, "--no-timing" in sys.argv
    tfla_path = os.path.join(os.environ.get("OUT", "/tmp"), "tfla.json")
    go = "/tmp/mlstm_bench_go"
    for f in (tfla_path, go):
        if os.path.exists(f):
            os.remove(f)
    child = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--tfla-child", tfla_path, go],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tfla = lambda: json.load(open(tfla_path)) if os.path.exists(tfla_path) else {}
    kernels = load_kernels()
    worst = correctness(kernels, quick)
    wait_for(lambda: tfla().get("warm") or child.poll() is not None, WARM_WAIT_S)
    compare_tfla(kernels, tfla_path)
    print("\nworst rel err per kernel (o or final state):")
    for name, e in worst.items():
        print(f"  {name:40s} {e:.2e}")
    if no_timing:
        child.kill()
        return
    open(go, "w").close()  # TFLA times alone, then this process
    try:
        child_out, _ = child.communicate(timeout=TIME_CHILD_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child_out = f"(killed after {TIME_CHILD_S} s)"
    if child.returncode != 0:
        print(f"TFLA child exited with {child.returncode}: ...{child_out[-800:]}")
    rows = timing(kernels, quick, tfla_path)
    peer = tfla()
    print("\nratio table (B*T=32k, H=16, K=V=128, bf16, [B,H,T,D], median ms; ratio = peer / attnc, >1: attnc faster)")
    print(f"{'T':>6} {'gate':4} {'attnc ms':>9} {'best config':20} {'TFLA xl_chunk':>14} {'ratio':>6} "
          f"{'FLA simple_gla':>15} {'ratio':>6}")
    for T, kind, per, t_fla in rows:
        cfg, best = min(per.items(), key=lambda x: x[1])
        def col(t, w):
            return f"{t:{w}.3f} {t / best:5.2f}x" if isinstance(t, float) else f"{'-':>{w}} {'-':>6}"
        print(f"{T:6d} {kind:4} {best:9.3f} {cfg:20} {col(peer.get(f'{kind}/T{T}'), 14)} {col(t_fla, 15)}")
    crashed = {k: v for k, v in peer.items() if k.endswith("/crashed") and v}
    if crashed:
        print("TFLA steps that did not finish:", crashed)


if __name__ == "__main__":
    if "--tfla-child" in sys.argv:
        i = sys.argv.index("--tfla-child")
        tfla_child(sys.argv[i + 1], sys.argv[i + 2])
    else:
        main()
