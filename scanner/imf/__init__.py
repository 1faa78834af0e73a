"""IMF packages (ASSETMAP, PKL, CPL): which track files a composition plays, and where."""
