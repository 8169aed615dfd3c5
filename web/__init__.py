"""The partner dashboard: a small server-rendered Starlette app over the aggregate reports.

It never queries personal data itself: every figure comes from ``actions.reports`` (suppressed there), and
this package only signs people in, checks their scope, and renders pages, SVG charts and CSV files.
"""
