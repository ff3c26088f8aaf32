"""One screen per module: the board, the wall display, and the overlays."""
