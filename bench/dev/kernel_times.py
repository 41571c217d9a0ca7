"""Kernel-only times of attnc and FlexAttention on the masked softmax rows, both under ncu
with the same locked (base) clocks and a cache flush before every kernel, so neither side's
launch overhead or timing protocol enters the ratio (softmax_bench.py times attnc through
`attnc run --bench`, CUDA events over rotated inputs, and Flex through triton's do_bench).

Usage on the device machine:  python3 bench/dev/kernel_times.py --attnc .dev/bin/attnc
(runs ncu on `attnc run` and on this script's own --flex-worker mode; prints a table)."""
import argparse, os, re, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASES = [("sliding_window", 8, 4096), ("sliding_window", 2, 16384), ("document", 2, 16384)]
H, D, W, CALLS = 16, 128, 1024, 5
NCU = ["ncu", "--clock-control", "base", "--cache-control", "all",
       "--metrics", "gpu__time_duration.sum"]


def doc_ids(N):
    """softmax_bench.py's packed documents: random lengths 256..4096 from seed 1."""
    import torch
    g = torch.Generator().manual_seed(1)
    lens, left = [], N
    while left > 0:
        l = min(left, int(torch.randint(256, 4096, (1,), generator=g))); lens.append(l); left -= l
    return torch.cat([torch.full((l,), i, dtype=torch.int32) for i, l in enumerate(lens)])


def flex_worker(variant, B, N):
    import torch
    from torch.nn.attention.flex_attention import flex_attention, create_block_mask
    flex = torch.compile(flex_attention, dynamic=False)
    q = torch.randn(B, H, N, D, device="cuda", dtype=torch.bfloat16)
    k, v = torch.randn_like(q), torch.randn_like(q)
    if variant == "document":
        doc = doc_ids(N).cuda()
        mod = lambda b, h, i, j: (doc[i] == doc[j]) & (j <= i)
    else:
        mod = lambda b, h, i, j: (i >= j) & (i - j < W)
    bm = create_block_mask(mod, None, None, N, N, device="cuda")
    flex(q, k, v, block_mask=bm)
    torch.cuda.synchronize()
    for _ in range(CALLS):
        torch.cuda.nvtx.range_push("timed")
        flex(q, k, v, block_mask=bm)
        torch.cuda.nvtx.range_pop()
    torch.cuda.synchronize()


def durations(out):
    """{kernel name: [us, ...]} from ncu's default report."""
    found, name = {}, None
    for line in out.splitlines():
        m = re.match(r"\s\s(\S+)\s+\(\d+, \d+, \d+\)x\(\d+, \d+, \d+\)", line)
        if m:
            name = m.group(1)
        m = re.search(r"gpu__time_duration.sum\s+(\S+)\s+([\d,.]+)", line)
        if m and name:
            scale = {"nsecond": 1e-3, "ns": 1e-3, "usecond": 1.0, "us": 1.0, "msecond": 1e3,
                     "ms": 1e3}.get(m.group(1))
            if scale is None:
                sys.exit(f"unknown ncu time unit in: {line.strip()}")
            found.setdefault(name, []).append(float(m.group(2).replace(",", "")) * scale)
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attnc", default=os.path.join(ROOT, ".dev", "bin", "attnc"))
    ap.add_argument("--flex-worker", nargs=3)
    a = ap.parse_args()
    if a.flex_worker:
        flex_worker(a.flex_worker[0], int(a.flex_worker[1]), int(a.flex_worker[2]))
        return
    rows = []
    for variant, B, N in CASES:
        ex = "document_mask" if variant == "document" else "sliding_window"
        cmd = [a.attnc, "run", os.path.join(ROOT, "examples", ex + ".attn"), "--bench",
               "--iters", "10", "--head-dim", str(D), "--shape", f"B={B},H={H},N={N}"]
        if variant == "document":
            path = "/tmp/attnc_kernel_times_doc.bin"
            doc_ids(N).repeat(B, 1).contiguous().numpy().tofile(path)
            cmd.append(f"--input=doc={path}")
        ours = durations(subprocess.run(
            NCU + ["-k", "regex:^attnc_", "--launch-skip", "4", "--launch-count", str(2 * CALLS)]
            + cmd, capture_output=True, text=True).stdout)
        peer = durations(subprocess.run(
            NCU + ["--nvtx", "--nvtx-include", "timed/", sys.executable, os.path.abspath(__file__),
                   "--flex-worker", variant, str(B), str(N)], capture_output=True, text=True).stdout)
        ours_us = sum(statistics.median(v) for v in ours.values())
        peer_us = sum(statistics.median(v) for v in peer.values())
        rows.append((f"{variant} B{B} N{N}", ours, peer, ours_us, peer_us))
    print("kernel-only times under ncu (base clocks, caches flushed), medians of the calls:")
    for case, ours, peer, o, p in rows:
        names = lambda d: ", ".join(f"{k[:28]} {statistics.median(v):.1f}" for k, v in d.items())
        print(f"  {case:26s} attnc {o:8.1f} us ({names(ours)}) | flex {p:8.1f} us ({names(peer)})"
              f" | flex/attnc {p / o if o else float('nan'):.2f}x")


if __name__ == "__main__":
    main()
