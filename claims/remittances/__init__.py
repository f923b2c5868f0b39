"""Received payments: ERAs and paper EOBs as posted, and bank deposits they reconcile to."""
