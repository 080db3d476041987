"""Domain layer of the credential renewal backend.

Rules, models and services live here; boto3 and stripe are imported only by the
adapters (store, queue, mail, files, payment gateway).
"""
