import math
import re
from fractions import Fraction

PRINTED_FLOAT = re.compile(r"(?<![\w.])-?(?:\d+\.\d*(?:e[-+]?\d+)?|\d+e[-+]?\d+|inf|nan)(?![\w.])")


# Compare each float the program printed with its exact value; print one line, return 0 when all
# agree within their verified bounds, 1 otherwise. `expected` holds, in the order the program prints
# them, each value's quantity in the results file, its exact value, and the bound on torch's error
# (None where nothing is compared: past the float range, or a value with no verified bound). An irrational exact
# value (a log, an exp) comes as (lo, hi), decimals that enclose it; the value is accepted when
# |value - mid| <= bound + r, with mid and r the interval's midpoint and radius (the interval is
# about 30 digits narrow, far inside any bound).
def self_check(output, expected):
    found = PRINTED_FLOAT.findall(output)
    if len(found) != len(expected):
        print(f"self-check: the program printed {len(found)} values; the results file has {len(expected)}")
        return 1
    compared, largest, its_bound = 0, Fraction(0), 0.0
    for text, (quantity, exact, bound) in zip(found, expected):
        if bound is None:
            continue
        value = float(text)
        if isinstance(exact, tuple):
            low, high = Fraction(exact[0]), Fraction(exact[1])
            mid, radius, shown = (low + high) / 2, (high - low) / 2, f"in [{exact[0]}, {exact[1]}]"
        else:
            mid, radius, shown = Fraction(exact), Fraction(0), exact
        error = abs(Fraction(value) - mid) if math.isfinite(value) else None
        if error is None or error > Fraction(bound) + radius:
            off = "not finite" if error is None else f"off by {float(error):.2g}, beyond its bound {bound:.2g}"
            print(f"self-check: {quantity} is {text}, the exact value is {shown} (about {float(mid):.10g}): {off}")
            return 1
        compared += 1
        if error >= largest:
            largest, its_bound = error, bound
    skipped = len(expected) - compared
    rest = f"; {skipped} values with no verified bound not compared" if skipped else ""
    print(f"all {compared} values agree with the exact derivation (largest error {float(largest):.2g}, "
          f"within its bound {its_bound:.2g}){rest}")
    return 0
