"""Persian text handling, no Kedro: the poem layout, normalisation, the character
vocabulary, the Kneser-Ney n-gram baseline and statistics of generated verse."""
