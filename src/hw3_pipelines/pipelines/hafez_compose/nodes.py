"""The request ``kedro run --pipeline hafez_compose`` sends the registered poet."""

from __future__ import annotations

import pandas as pd

from hw3_pipelines.parameters import HafezParams


def request_from_parameters(hafez: HafezParams) -> pd.DataFrame:
    """One form-aware ghazal as ``hafez.sample`` asks for it (metre, qafiya, radif, couplets,
    first hemistich, seed), in the columns the poet reads."""
    sample = hafez.sample
    return pd.DataFrame([{
        "first_hemistich": sample.seed_text, "metre": sample.metre, "qafiya": sample.qafiya, "radif": sample.radif,
        "couplets": sample.couplets, "seed": sample.seed, "writing": "form_aware",
    }])
