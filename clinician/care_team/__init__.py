"""The care team hears about it: alerts (an outbox delivered by webhook and e-mail), the
hospital record (an HL7 FHIR R4 Bundle) and the person's printable summary for the appointment.

Plain Python over the same SQL store as the clinician side; the gateway runs the delivery loop
and serves the routes (``api/routes/care_team_*.py``).
"""
