"""The bodies of function recipes: traces and hand-written loops, no model or Trainer."""
