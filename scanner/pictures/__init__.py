"""Pictures for the HTML report: which files get one (``plan``), what a picture is (``job``),
the isolated worker that makes them (``worker``) and the decoding it runs (``decode``)."""
