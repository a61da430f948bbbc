"""How far an exact band's coverage strays by chance in one rolling period, and how often
an exact forecaster would keep every one of the periods within a tolerance.

The rolling evaluation's periods are six months: 181 one-day outcomes, and 59 seven-day or
51 thirty-day outcomes from origins three days apart. Prints, per horizon and band, the
standard deviation of an exact band's coverage over one period, the share of periods within
the tolerance, and that share to the power of the number of periods.

    python benchmarks/coverage_by_chance.py --periods 15
"""

from __future__ import annotations

import argparse

import numpy as np

from hw3_pipelines.forecasting.scores import simulated_coverage

CASES = {  # horizon: (outcomes in six months, stride, tolerance of the 80% band, of the 95% band)
    1: (181, 1, 0.05, 0.03),
    7: (59, 3, 0.10, 0.06),
    30: (51, 3, 0.10, 0.06),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--periods", type=int, default=15)
    periods = parser.parse_args().periods
    for h, (outcomes, stride, *tolerances) in CASES.items():
        for level, tolerance in zip((80, 95), tolerances):
            coverage = simulated_coverage(level, outcomes, h, stride)
            within = float(np.mean(np.abs(coverage - level / 100) <= tolerance + 1e-9))
            print(f"{h:>2} d, {level}% band, {outcomes} outcomes: sd {coverage.std():.3f}; within ±{tolerance * 100:.0f} points "
                  f"in {within:.1%} of periods, in all {periods}: {within ** periods:.3g}")


if __name__ == "__main__":
    main()
