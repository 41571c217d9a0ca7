"""Why LinearMlstm.cuh feeds n's terms to the mma as two bf16 parts (no GPU, no numpy).

With the exponential input gate the normaliser floor exp(-m_t) is tiny, so the output is
q~C / |q~ . n| wherever q~ . n crosses zero, and errors in that denominator are amplified
there. This float64 model of the stabilised recurrence (small K = V, realistic gates)
measures the output error of three roundings the kernel could apply:
  "C only"         q and the state C rounded to bf16 for q C (what every config does);
  "n terms bf16"   also each term w_s k_s of n rounded to bf16 once (one bf16 mma);
  "n terms hi+lo"  each term as bf16(x) + bf16(x - bf16(x)) (two bf16 mma, the kernel).
Usage: python3 bench/dev/mlstm_precision.py [forget_mean input_sd T]  (default 3 2 1000,
the C++ harness's gates; 6 3 2000 is the bench's long weak-forget case)."""
import math, random, struct, sys

DIM = 32               # K = V of the model (the error mechanism does not depend on it)
UNIFORM_BOUND = 1.7    # q, k, v ~ U(-1.7, 1.7): unit variance, as the harness
FORGET_SD = 1.5
BF16_ROUND_BIAS = 0x7FFF
BF16_MASK = 0xFFFF0000


def bf16(x):
    """Round-to-nearest-even to bfloat16, back as a float."""
    b = struct.unpack("<I", struct.pack("<f", x))[0]
    b = (b + BF16_ROUND_BIAS + ((b >> 16) & 1)) & BF16_MASK
    return struct.unpack("<f", struct.pack("<I", b))[0]


def logsigmoid(x):
    return x - math.log1p(math.exp(x)) if x < 0 else -math.log1p(math.exp(-x))


def main(forget_mean, input_sd, T, seed=5):
    rnd = random.Random(seed)
    uniform = lambda: [rnd.uniform(-UNIFORM_BOUND, UNIFORM_BOUND) for _ in range(DIM)]
    scale = DIM ** -0.5
    C = [[0.0] * DIM for _ in range(DIM)]
    norms = {"C only": [0.0] * DIM, "n terms bf16": [0.0] * DIM, "n terms hi+lo": [0.0] * DIM}
    term = {"C only": lambda x: x, "n terms bf16": bf16, "n terms hi+lo": lambda x: bf16(x) + bf16(x - bf16(x))}
    err = {key: [0.0, 0.0] for key in norms}
    m = 0.0
    for _ in range(T):
        q, k, v = uniform(), uniform(), uniform()
        f = logsigmoid(rnd.gauss(forget_mean, FORGET_SD))
        i = rnd.gauss(0.0, input_sd)
        m_new = max(f + m, i)
        carry, w = math.exp(f + m - m_new), math.exp(i - m_new)
        m = m_new
        for c in range(DIM):
            for key, n in norms.items():
                n[c] = carry * n[c] + term[key](w * k[c])
            for j in range(DIM):
                C[c][j] = carry * C[c][j] + w * k[c] * v[j]
        qs = [scale * x for x in q]
        floor = math.exp(-m)
        exact_den = max(abs(sum(a * b for a, b in zip(qs, norms["C only"]))), floor)
        exact = [sum(qs[c] * C[c][j] for c in range(DIM)) / exact_den for j in range(DIM)]
        rounded_num = [sum(bf16(qs[c]) * bf16(C[c][j]) for c in range(DIM)) for j in range(DIM)]
        for key, n in norms.items():
            den = max(abs(sum(a * b for a, b in zip(qs, n))), floor)
            err[key][0] += sum((x / den - y) ** 2 for x, y in zip(rounded_num, exact))
            err[key][1] += sum(y * y for y in exact)
    print(f"forget ~ N({forget_mean}, {FORGET_SD}), igate ~ N(0, {input_sd}), T {T}: rel err of o " +
          ", ".join(f"{key} {math.sqrt(a / b):.2e}" for key, (a, b) in err.items()))


if __name__ == "__main__":
    args = sys.argv[1:] or ["3", "2", "1000"]
    main(float(args[0]), float(args[1]), int(args[2]))
