"""What the commands besides ``scan`` do beyond scanning, each returning the text to print:
``inspect EDIT`` (inspect_cut), ``inspect CPL`` (inspect_cpl), ``trace`` (trace)."""
