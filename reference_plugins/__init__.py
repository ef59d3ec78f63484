"""Python ports of CPA's upstream example plugins, written on the cpa_sdk base classes.

One module per example, named after it. Each reads like the upstream paragraph that describes
it; comments mark only behaviour that is surprising, and every deliberate difference from
upstream is listed in the module docstring.
"""
