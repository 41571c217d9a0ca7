"""Probe of templates/attnc/PrefillSm90.cuh on the device machine (H100), before the emitter
targets it. Loads the cubins bench/dev/hopper_probe.sh built (from this script's folder when
it holds cubins, else from .dev/hopper/; carry that folder) through libcuda via ctypes with an
AttncSoftmaxParams mirror; checks every config and variant (dense, causal, sliding window,
document mask with its block-map kernel) against float64 torch on fresh random inputs with
ragged N and M, GQA 4 and LSE, output NaN-poisoned first (a tiny case first, so a descriptor
mistake shows at once); then times the bf16 D=128 configs on the timing cases (variant:B:N,
H=16; sliding window W=1024; the document mask over softmax_bench.py's packed documents,
its block map built in every timed call as `attnc run` does) against torch SDPA
(FLASH_ATTENTION, CUDNN_ATTENTION; dense and causal only) and FlexAttention (block mask built
once, outside the timing; do_bench medians), and prints a table of ratios last (peer time /
attnc time: above 1, attnc is faster). Persistent cubins (attnc_persistent > 0, names _p1/_p2)
run on min(tiles, SMs x resident CTAs per SM) CTAs, tiles = ceil(N / BLOCK_M) x Hq x B.

Usage: python3 bench/dev/hopper_probe.py [--check-only] [--configs substr,...]
       [--cases variant:B:N,...] [--no-flex]"""
import argparse, ctypes, glob, math, os, re, sys, time
import torch, triton
import torch.nn.functional as F
from torch.nn.attention import sdpa_kernel, SDPBackend

HERE = os.path.dirname(os.path.abspath(__file__))
CUBINS = HERE if glob.glob(os.path.join(HERE, "*.cubin")) else \
    os.path.join(os.path.dirname(os.path.dirname(HERE)), ".dev", "hopper")
LOG2E = 1.4426950408889634
WINDOW = 1024
CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8
VARIANTS = ("full", "causal", "sliding_window", "document")
MAP_RANGE_ALIGN, MAP_RANGE_BYTES = 16, 8  # BlockMap.cuh's layout (runtime::blockMapBytes)
DEFAULT_CASES = ("sliding_window:8:4096,sliding_window:2:16384,document:2:16384,"
                 "full:2:16384,causal:2:16384")

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


def read_int(mod, name, default=None):
    ptr, size, val = ctypes.c_uint64(), ctypes.c_size_t(), ctypes.c_int()
    rc = cuda.cuModuleGetGlobal_v2(ctypes.byref(ptr), ctypes.byref(size), mod, name.encode())
    if rc != 0 and default is not None:
        return default  # cubins built before the global existed
    check(rc, name)
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
        self.block_n = read_int(self.mod, "attnc_block_n")
        self.map_threads = read_int(self.mod, "attnc_block_map_threads")
        self.persistent = read_int(self.mod, "attnc_persistent", default=0)
        self.funcs = {}
        for v in VARIANTS:
            f = ctypes.c_void_p()
            check(cuda.cuModuleGetFunction(ctypes.byref(f), self.mod, f"attnc_{v}".encode()), v)
            check(cuda.cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, self.smem), "smem")
            self.funcs[v] = f
        self.map_func = ctypes.c_void_p()
        check(cuda.cuModuleGetFunction(ctypes.byref(self.map_func), self.mod, b"attnc_document_blockmap"), "map")
        self._maps = {}
        ctas = ctypes.c_int()
        check(cuda.cuOccupancyMaxActiveBlocksPerMultiprocessor(
            ctypes.byref(ctas), self.funcs["full"], self.threads, ctypes.c_size_t(self.smem)), "occupancy")
        self.ctas_per_sm = ctas.value
        self.sms = torch.cuda.get_device_properties(0).multi_processor_count

    def block_map(self, B, N, M):
        """The document mask's map buffer (one plane per batch), cached per shape."""
        if (B, N, M) not in self._maps:
            rows = B * ((N + self.block_m - 1) // self.block_m)
            tiles = rows * ((M + self.block_n - 1) // self.block_n)
            size = (tiles + MAP_RANGE_ALIGN - 1) // MAP_RANGE_ALIGN * MAP_RANGE_ALIGN + rows * MAP_RANGE_BYTES
            self._maps[(B, N, M)] = torch.empty(size, dtype=torch.uint8, device="cuda")
        return self._maps[(B, N, M)]

    def launch(self, variant, q, k, v, o, lse, window=WINDOW, doc=None, max_ctas=None):
        """max_ctas caps a persistent grid (checks: few CTAs walk many tiles each)."""
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
        kernel_grid = grid
        if self.persistent:
            kernel_grid = (min(grid[0] * Hq * B, max_ctas or self.sms * self.ctas_per_sm), 1, 1)
        if variant == "document":
            p.inputs[0] = tensor_arg(doc)
            p.block_map = self.block_map(B, N, M).data_ptr()
            p.block_map_stride = (M + self.block_n - 1) // self.block_n
            check(cuda.cuLaunchKernel(self.map_func, grid[0], B, 1, self.map_threads, 1, 1, 0,
                                      ctypes.c_void_p(stream), args, None), "launch map")
        check(cuda.cuLaunchKernel(self.funcs[variant], *kernel_grid, self.threads, 1, 1, self.smem,
                                  ctypes.c_void_p(stream), args, None), "launch")


def tensor_arg(t):
    a = Tensor()
    a.ptr = t.data_ptr()
    for d in range(t.dim()):
        a.stride[d] = t.stride(d)
        a.size[d] = t.size(d)
    return a


def allowed(variant, N, M, window, device, doc=None):
    """[N, M], or [B, 1, N, M] for the document mask."""
    i = torch.arange(N, device=device)[:, None]
    j = torch.arange(M, device=device)[None, :]
    if variant == "full":
        return torch.ones(N, M, dtype=torch.bool, device=device)
    if variant == "causal":
        return j <= i
    if variant == "document":
        return ((doc[:, :, None] == doc[:, None, :]) & (j <= i))[:, None]
    return (j <= i) & (i - j < window)


def random_docs(B, N, docs):
    """Sorted random document ids per batch row (int32 [B, N]), different rows differing."""
    cuts = torch.sort(torch.randint(1, N, (B, docs - 1), device="cuda"), dim=1).values
    return (torch.arange(N, device="cuda")[None, :, None] >= cuts[:, None, :]).sum(-1).to(torch.int32)


def bench_docs(N):
    """softmax_bench.py's packed documents: random lengths 256..4096 from seed 1."""
    g = torch.Generator().manual_seed(1)
    lens, left = [], N
    while left > 0:
        l = min(left, int(torch.randint(256, 4096, (1,), generator=g)))
        lens.append(l)
        left -= l
    return torch.cat([torch.full((l,), i, dtype=torch.int32) for i, l in enumerate(lens)]).cuda()


def reference(variant, q, k, v, window, doc=None):
    B, Hq, N, D = q.shape
    Hkv, M = k.shape[1], k.shape[2]
    kk = k.double().repeat_interleave(Hq // Hkv, 1)
    vv = v.double().repeat_interleave(Hq // Hkv, 1)
    s = q.double() @ kk.transpose(-1, -2) / math.sqrt(D)
    s = s.masked_fill(~allowed(variant, N, M, window, q.device, doc), float("-inf"))
    lse = torch.logsumexp(s, -1)
    o = torch.nan_to_num(torch.softmax(s, -1), nan=0.0) @ vv  # rows with no key: O = 0
    return o, lse


CASES = [  # (B, Hq, Hkv, N, M, window): tiny first, then ragged and GQA 4
    (1, 1, 1, 64, 128, 64), (1, 2, 2, 77, 77, 30), (2, 8, 2, 1000, 4000, 256),
    (1, 4, 1, 4000, 1000, 1024), (1, 2, 2, 129, 500, 100),
    (2, 16, 4, 2000, 2100, 300),  # 512 query blocks of 128: several per persistent CTA
]


PERSISTENT_FEW = 5  # CTAs of a persistent config's second check run

DOC_CASES = [  # self-attention (keys share N): (B, Hq, Hkv, N, documents)
    (1, 2, 2, 77, 3), (2, 8, 2, 1000, 8), (1, 4, 1, 4000, 8), (2, 2, 2, 129, 1), (2, 2, 2, 700, 40),
    (2, 16, 4, 2000, 12),
]


def check_cases(variant):
    if variant != "document":
        return [(B, Hq, Hkv, N, M, window, None) for (B, Hq, Hkv, N, M, window) in CASES]
    return [(B, Hq, Hkv, N, N, WINDOW, random_docs(B, N, docs)) for (B, Hq, Hkv, N, docs) in DOC_CASES]


def check_config(cfg):
    """A persistent config runs every case twice: on its full grid and on PERSISTENT_FEW CTAs,
    so each CTA walks many tiles (ragged, empty, other heads and batches) with one ring."""
    tol = 1e-2 if cfg.dtype == torch.bfloat16 else 2e-3
    worst = {}
    grids = (None, PERSISTENT_FEW) if cfg.persistent else (None,)
    for variant in VARIANTS:
        w = 0.0
        for (B, Hq, Hkv, N, M, window, doc), max_ctas in (
                (case, g) for case in check_cases(variant) for g in grids):
            q = torch.randn(B, Hq, N, cfg.hd, device="cuda", dtype=cfg.dtype)
            k = torch.randn(B, Hkv, M, cfg.hd, device="cuda", dtype=cfg.dtype)
            v = torch.randn(B, Hkv, M, cfg.hd, device="cuda", dtype=cfg.dtype)
            o = torch.full((B, Hq, N, cfg.hd), float("nan"), device="cuda", dtype=cfg.dtype)
            lse = torch.full((B, Hq, N), float("nan"), device="cuda", dtype=torch.float32)
            cfg.launch(variant, q, k, v, o, lse, window, doc, max_ctas)
            torch.cuda.synchronize()
            ref, rlse = reference(variant, q, k, v, window, doc)
            err = ((o.double() - ref).norm() / ref.norm()).item()
            finite = torch.isfinite(rlse)
            lerr = (lse.double()[finite] - rlse[finite]).abs().max().item() if finite.any() else 0.0
            lse_ok = bool(torch.equal(torch.isfinite(lse), finite))
            if torch.isnan(o).any() or math.isnan(err) or not lse_ok:
                err = float("inf")
            w = max(w, err, lerr * 1e-2)
            if err > tol or lerr * 1e-2 > tol:
                print(f"    {cfg.name} {variant} B{B} Hq{Hq} Hkv{Hkv} N{N} M{M} W{window}"
                      f"{f' ctas {max_ctas}' if max_ctas else ''}: "
                      f"rel err {err:.2e}, lse err {lerr:.2e}", flush=True)
        worst[variant] = w
    ok = all(x <= tol for x in worst.values())
    print(f"  {cfg.name}: " + "  ".join(f"{v} {e:.2e}" for v, e in worst.items()) +
          ("  OK" if ok else f"  FAIL (tol {tol})"), flush=True)
    return ok


def bench(fn):
    return triton.testing.do_bench(fn, warmup=25, rep=100, return_mode="median")


def flex_mod(variant, doc):
    return {"full": None, "causal": lambda b, h, i, j: i >= j,
            "sliding_window": lambda b, h, i, j: (i >= j) & (i - j < WINDOW),
            "document": lambda b, h, i, j: (doc[i] == doc[j]) & (i >= j)}[variant]


def allowed_pairs(variant, N, doc):
    if variant == "full":
        return N * N
    if variant == "causal":
        return N * (N + 1) / 2
    if variant == "sliding_window":
        return N * WINDOW - WINDOW * (WINDOW - 1) / 2
    lens = torch.bincount(doc.long()).double()
    return float((lens * (lens + 1) / 2).sum())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check-only", action="store_true")
    ap.add_argument("--configs", default="", help="keep configs whose name holds one of these")
    ap.add_argument("--cases", default=DEFAULT_CASES, help="timing cases variant:B:N, H=16")
    ap.add_argument("--no-flex", action="store_true")
    args = ap.parse_args()
    t0 = time.time()
    paths = sorted(glob.glob(os.path.join(CUBINS, "*.cubin")))
    if args.configs:
        paths = [p for p in paths if any(s in os.path.basename(p) for s in args.configs.split(","))]
    configs = [Config(p) for p in paths]
    print(f"{len(configs)} configs from {CUBINS} (smem bytes, resident CTAs per SM):", flush=True)
    for c in configs:
        print(f"  {c.name}: {c.smem} B, {c.ctas_per_sm} per SM" +
              (f", persistent ({c.persistent} Q buffers, {c.sms} SMs)" if c.persistent else ""),
              flush=True)
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
    H, D = 16, 128
    for case in args.cases.split(","):
        variant, B, N = case.split(":")
        B, N = int(B), int(N)
        q = torch.randn(B, H, N, D, device="cuda", dtype=torch.bfloat16)
        k, v = torch.randn_like(q), torch.randn_like(q)
        o = torch.empty_like(q)
        doc = bench_docs(N) if variant == "document" else None
        docs = doc.repeat(B, 1).contiguous() if doc is not None else None
        peers = {}
        causal = variant == "causal"
        if variant in ("full", "causal"):
            with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
                peers["fa2"] = bench(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal))
            with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
                peers["cudnn"] = bench(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal))
        if not args.no_flex:
            mod = flex_mod(variant, doc)
            bm = create_block_mask(mod, None, None, N, N, device="cuda") if mod else None
            flex(q, k, v, block_mask=bm)
            peers["flex"] = bench(lambda: flex(q, k, v, block_mask=bm))
        times = {c.name: bench(lambda: c.launch(variant, q, k, v, o, None, WINDOW, docs)) for c in timed}
        best = min(times, key=times.get)
        fl = 4 * B * H * allowed_pairs(variant, N, doc) * D  # allowed (query, key) pairs only
        print(f"  {variant} B{B} N{N}: " + " ".join(f"{n}:{t:.3f}" for n, t in times.items()) +
              "  peers " + " ".join(f"{n}:{t:.3f}" for n, t in peers.items()) +
              f"  [{time.time() - t0:.0f}s]", flush=True)
        rows.append((f"{variant} B{B} N{N}", best, times[best], fl / times[best] / 1e9, peers, times))
    print("\nratios (peer ms / attnc ms; H=16 D=128 bf16; best config per row):")
    print(f"{'case':<26}{'config':<28}{'attnc ms':>9}{'TFLOP/s':>9}{'vs FA2':>8}{'vs cuDNN':>9}{'vs Flex':>8}")
    for case, best, t, tf, peers, _ in rows:
        r = {k: f"{peers[k] / t:.2f}x" if k in peers else "" for k in ("fa2", "cudnn", "flex")}
        print(f"{case:<26}{best:<28}{t:>9.3f}{tf:>9.0f}{r['fa2']:>8}{r['cudnn']:>9}{r['flex']:>8}")
    if "flex" in (rows[0][4] if rows else {}):
        print("\nvs Flex per config (peer ms / config ms):")
        print(f"{'config':<28}" + "".join(f"{case:>26}" for case, *_ in rows))
        for c in timed:
            print(f"{c.name:<28}" + "".join(
                f"{row[4]['flex'] / row[5][c.name]:>25.2f}x" for row in rows))
    print(f"[{time.time() - t0:.0f}s]")


if __name__ == "__main__":
    main()
