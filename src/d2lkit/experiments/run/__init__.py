"""Running recipes: the run folder, building a run, the driver and its kinds, reports."""
