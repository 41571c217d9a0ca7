"""Pure-Python model of templates/attnc/LinearMlstm.cuh's chunk algorithm, checked against
the token recurrence of examples/mlstm.attn and examples/mlstm_sig.attn (no GPU, no numpy).

The model computes what the kernel computes, in its order and in its units (log2): per
chunk one scan of the gates into the tables of LinearMlstmGate.cuh (a, ref, inter, floor,
w, carry, the next m), then every row's output from the chunk-start state plus the
masked in-chunk scores, then the state update. It asserts that every exponent the kernel
takes of a value it keeps (not a masked one) is <= 0, which is what makes the kernel free
of overflow at any T and gate strength, and runs a long strong-gate case to show it.
Usage: python3 bench/dev/mlstm_model.py  (prints the max abs difference per case)."""
import math, random

LOG2E = 1.0 / math.log(2.0)
NEG_INF = float("-inf")
SLACK = 1e-9  # exponents are differences of rounded sums; allow float64 noise


def logsigmoid(x):
    return x - math.log1p(math.exp(x)) if x < 0 else -math.log1p(math.exp(-x))


def exp2(x, kept=True):
    if kept:
        assert x <= SLACK, f"exponent {x} > 0 would be able to overflow"
    return 2.0 ** x if x != NEG_INF else 0.0


def recurrence(q, k, v, ig, fg, exp_gate, C0, n0):
    """The DSL's definition, unstabilised, float64."""
    K, V = len(k[0]), len(v[0])
    C = [row[:] for row in C0]
    n = n0[:]
    scale = K ** -0.5
    out = []
    for t in range(len(q)):
        f = math.exp(logsigmoid(fg[t]))
        i = math.exp(ig[t]) if exp_gate else 1.0 / (1.0 + math.exp(-ig[t]))
        for a in range(K):
            n[a] = f * n[a] + i * k[t][a]
            for b in range(V):
                C[a][b] = f * C[a][b] + i * k[t][a] * v[t][b]
        qs = [scale * x for x in q[t]]
        den = max(abs(sum(qs[a] * n[a] for a in range(K))), 1.0)
        out.append([sum(qs[a] * C[a][b] for a in range(K)) / den for b in range(V)])
    return out, C, n


def scan(fg, ig, valid, chunk, exp_gate, m):
    """Warp 0's per-chunk scan: the tables the rest of the CTA reads (log2 units)."""
    # Padding tokens load gates of 0; they only ever reach masked or zero-weight terms.
    lf = [logsigmoid(fg[t] if t < valid else 0.0) * LOG2E for t in range(chunk)]
    li = [(ig[t] * LOG2E if exp_gate else logsigmoid(ig[t]) * LOG2E) if t < valid else 0.0
          for t in range(chunk)]
    b, acc = [], 0.0
    for x in lf:
        acc += x
        b.append(acc)
    a = [li[t] - b[t] if t < valid else NEG_INF for t in range(chunk)]
    if exp_gate:
        ref, run = [], m
        for t in range(chunk):
            run = max(run, a[t])
            ref.append(run)
    else:
        ref = [-x for x in b]
    last = valid - 1
    inter = [exp2(m - ref[t]) for t in range(chunk)]
    floor = [exp2(-(b[t] + ref[t]), kept=False) if exp_gate else 1.0 for t in range(chunk)]
    w = [exp2(a[s] - ref[last]) for s in range(chunk)]
    carry = exp2(m - ref[last])
    m_next = b[last] + ref[last] if exp_gate else 0.0
    return a, ref, inter, floor, w, carry, m_next


def chunkwise(q, k, v, ig, fg, exp_gate, chunk, C0, n0, m0):
    """The kernel's algorithm: stabilised state (C~, n~, m) with C = 2^m C~."""
    T, K, V = len(q), len(k[0]), len(v[0])
    scale = K ** -0.5
    C = [row[:] for row in C0]
    n = n0[:]
    m = m0 * LOG2E if exp_gate else 0.0
    out = []
    for t0 in range(0, T, chunk):
        valid = min(chunk, T - t0)
        a, ref, inter, floor, w, carry, m_next = scan(fg[t0:], ig[t0:], valid, chunk, exp_gate, m)
        for t in range(valid):
            qt = q[t0 + t]
            num = [inter[t] * sum(qt[c] * C[c][x] for c in range(K)) for x in range(V)]
            den = inter[t] * sum(qt[c] * n[c] for c in range(K))
            for s in range(t + 1):
                p = sum(qt[c] * k[t0 + s][c] for c in range(K)) * exp2(a[s] - ref[t])
                den += p
                for x in range(V):
                    num[x] += p * v[t0 + s][x]
            norm = max(abs(scale * den), floor[t])
            out.append([scale * y / norm for y in num])
        for c in range(K):
            n[c] = carry * n[c] + sum(w[s] * k[t0 + s][c] for s in range(valid))
            for x in range(V):
                C[c][x] = carry * C[c][x] + sum(w[s] * k[t0 + s][c] * v[t0 + s][x] for s in range(valid))
        m = m_next
    return out, C, n, m / LOG2E


def case(name, T, K, V, chunk, exp_gate, f_shift, i_sigma, seed, with_state=True):
    rnd = random.Random(seed)
    mat = lambda r, c: [[rnd.uniform(-1.7, 1.7) for _ in range(c)] for _ in range(r)]
    q, k, v = mat(T, K), mat(T, K), mat(T, V)
    fg = [rnd.gauss(f_shift, 1.0) for _ in range(T)]
    ig = [rnd.gauss(0.0, i_sigma) for _ in range(T)]
    C0 = mat(K, V) if with_state else [[0.0] * V for _ in range(K)]
    n0 = [rnd.uniform(-1, 1) for _ in range(K)] if with_state else [0.0] * K
    m0 = rnd.uniform(-2, 2) if with_state and exp_gate else 0.0
    # The kernel's initial state is stabilised: C = e^m0 C~, n = e^m0 n~.
    Cu = [[math.exp(m0) * x for x in row] for row in C0]
    nu = [math.exp(m0) * x for x in n0]
    ref_o, ref_C, ref_n = recurrence(q, k, v, ig, fg, exp_gate, Cu, nu)
    o, C, n, m = chunkwise(q, k, v, ig, fg, exp_gate, chunk, C0, n0, m0)
    e = math.exp(m)
    do = max(abs(x - y) for r1, r2 in zip(o, ref_o) for x, y in zip(r1, r2))
    dC = max(abs(e * x - y) / max(1.0, abs(y)) for r1, r2 in zip(C, ref_C) for x, y in zip(r1, r2))
    dn = max(abs(e * x - y) / max(1.0, abs(y)) for x, y in zip(n, ref_n))
    print(f"  {name:44s} o {do:.1e}  C {dC:.1e}  n {dn:.1e}  final m {m:+.2f}")
    assert max(do, dC, dn) < 1e-9, name


if __name__ == "__main__":
    print("chunk algorithm vs recurrence (max abs diff; states relative to max(1, |x|)):")
    for exp_gate in (False, True):
        kind = "exp" if exp_gate else "sig"
        case(f"{kind} T=77 chunk 32 K4 V3", 77, 4, 3, 32, exp_gate, 0.0, 2.0, 1)
        case(f"{kind} T=64 chunk 64 K3 V5 (one full chunk)", 64, 3, 5, 64, exp_gate, 1.0, 2.0, 2)
        case(f"{kind} T=1 chunk 32 K2 V2", 1, 2, 2, 32, exp_gate, 0.0, 1.0, 3)
        case(f"{kind} T=100 chunk 32 no initial state", 100, 3, 2, 32, exp_gate, 0.0, 3.0, 4, False)
        # Strong gates: fgate ~ N(-8, 1) (logsigmoid ~ -8 per token), wide input gates.
        # The recurrence itself underflows harmlessly in float64 here; the model must not
        # take any positive exponent, which the asserts in exp2 check.
        case(f"{kind} T=3000 chunk 64 strong forget, igate N(0, 8)", 3000, 2, 2, 64, exp_gate, -8.0, 8.0, 5)
    print("ok")
