"""Open Referral HSDS 3.1: converters between our listings and HSDS records, and the tabular
and JSON forms they travel in. Nothing here touches the service's database or HTTP."""
