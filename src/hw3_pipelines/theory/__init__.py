"""The assignment's theory questions as code: parameter counts, gradient flow, clipping. No Kedro."""
