"""Persian text handling: normalisation, character vocabulary, n-gram baseline. No Kedro."""
