"""Editorial timelines (EDL, FCP 7 XML, FCPXML, AAF, OTIO): which sources reach a final."""
