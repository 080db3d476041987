"""The adapters: the only modules that talk to AWS or Stripe (DynamoDB, SQS, SES,
S3, the Stripe SDK). Services call them through the small functions they expose,
so the rules stay testable without moto."""
