"""The board in a browser: `textual-serve` runs `wallboard view` once per page."""
