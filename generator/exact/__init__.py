"""The exact layer for values that are not fractions: log, exp and sqrt of rationals.

    symbolic.py   an exact value as a sympy expression over the rationals, with log, exp and sqrt
                  left unevaluated; its text (which sympy parses back) and its LaTeX   (sympy)
    ball.py       the proof: a python-flint `arb` ball that contains the exact value, at a working
                  precision raised until a question is decided (torch within its bound, a claim's
                  rounding), capped at MAX_PRECISION bits                              (flint)
    enclosure.py  what the results file keeps of it: `lo` and `hi`, decimals rounded outward, and
                  the checks that need only them (the cache, `check`, the tightness figures; no flint)

A kind whose exact values are irrational builds sympy expressions (`symbolic.py`), records each
torch value with `record.real_value` (a `codec.RealV`: `exact` when sympy proves the value
rational, else `expr`, `lo`, `hi`), and checks torch with `ball.prove_within`. python-flint is
imported only by `ball.py`, and only the kinds that need it import that, when they run.
"""
