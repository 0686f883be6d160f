"""The clinician feature's web side: the JSON API, the dashboard pages, the exports and the
care team's routes, all behind the clinician login.
"""
