"""The edges: the command line and the web UI.  Only presentation lives here."""
