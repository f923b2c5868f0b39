"""Claims to the next payer (secondary, tertiary) once the payer before it has adjudicated."""
