"""AttncLinearParams for ctypes, read from templates/attnc/LinearParams.h itself, so the
probes and benches that launch linear cubins by hand (linear_probe.py, split_probe.py,
delta_probe.py, mlstm_bench.py) never carry a hand-written mirror that drifts when a field
is appended. `python3 bench/dev/linear_abi.py` prints the layout (field, offset, size)."""
import ctypes, os, re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEADER = os.path.join(ROOT, "templates", "attnc", "LinearParams.h")
MAX_RANK = 4  # ATTNC_MAX_RANK (templates/attnc/KernelParams.h)


class Tensor(ctypes.Structure):  # AttncTensorArg
    _fields_ = [("ptr", ctypes.c_void_p), ("stride", ctypes.c_int64 * MAX_RANK),
                ("size", ctypes.c_int64 * MAX_RANK)]


# C field types of the header, by spelling without `const`.
_TYPES = {"AttncTensorArg": Tensor, "int": ctypes.c_int, "float": ctypes.c_float}
_FIELD = re.compile(r"^\s*(?:const\s+)?(\w+)\s*(\*?)\s*(\w+)\s*;")


def _fields(header):
    text = open(header).read()
    body = text[text.index("typedef struct {"):text.index("} AttncLinearParams;")]
    fields = []
    for line in body.splitlines()[1:]:
        m = _FIELD.match(line)
        if not m:
            continue
        ctype, pointer, name = m.groups()
        if pointer:
            fields.append((name, ctypes.c_void_p))
        elif ctype in _TYPES:
            fields.append((name, _TYPES[ctype]))
        else:
            raise SystemExit(f"{header}: field '{name}' has type '{ctype}', unknown to linear_abi.py")
    return fields


class Params(ctypes.Structure):  # AttncLinearParams
    _fields_ = _fields(HEADER)


if __name__ == "__main__":
    for name, _ in Params._fields_:
        f = getattr(Params, name)
        print(f"{name:16} offset {f.offset:4} size {f.size:3}")
    print(f"sizeof {ctypes.sizeof(Params)}")
