"""The Streamlit script of the dashboard (``streamlit run`` and ``AppTest`` start here).

Kept to one call so the page lives in an importable module (:mod:`sim.dashboard.page`).
"""

from sim.dashboard.page import main

main()
