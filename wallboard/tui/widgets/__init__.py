"""One widget per module; each watches the app's board and draws one panel."""
