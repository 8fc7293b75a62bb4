"""Settings for the whole test suite.

Invariant checking (:mod:`sim.invariants`) is on for every run the tests make, in this process
and in every worker or subprocess it starts (they inherit the environment).
"""

import os

os.environ["AFTERSALES_CHECK"] = "1"
