"""The local stack that `make run` starts (`python -m local.server`): the
functions of template.yaml behind an emulated HTTP API, on moto, in one process.

  server     start-up and shut-down; PORT, LOCAL_STATE_DIR, SEED
  template   reads template.yaml          resources  creates its resources on moto, resolves !Ref / !Sub
  apigw      HTTP API v2 events, routes   gateway    the WSGI app: routes, authorizer, Lambda responses
  auth       the JWT authorizer and local tokens       cors   the HttpApi's CORS configuration
  invoke     runs a function like one warm Lambda instance
  sqs        SQS event sources (batches, partial failures, DLQ)   schedules  ScheduleV2 events on demand
  pipes      the table's stream to a queue (the e-mail outbox pipe: filter, input template)
  helpers    /_local/* (token, clock, schedules, outbox)           outbox     e-mails sent through SES
  state      what survives a restart (table, documents, outbox, clock)   seed   the demo data set (seed/demo.json)
  stripe     Stripe's API for the SDK, the checkout page, signed webhook events (without STRIPE_API_KEY)
  s3_policy  moto's server, with S3's presigned POST checks   atomic  one DynamoDB call at a time, as DynamoDB applies them
"""
