"""Where input data comes from: Yahoo (the only code that touches the network), CSV files,
and the BTC-USD snapshot bundled with the package as the offline fallback."""
