"""flowctl's command line (Typer). A thin layer over the engine and renderers."""
