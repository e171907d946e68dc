"""The centre's rules in plain Python: vocabulary, clock, scope, workflow, messages.

Imports nothing of ours and knows no SQL and no Dash, so the database CHECKs, the ETL, the map
and the reports all read one definition of each rule.
"""
