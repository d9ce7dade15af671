"""The callbacks recipes add: sampled text and BLEU, loss logs, learned weights, plots."""
