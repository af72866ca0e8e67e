"""Publishing what people said: redaction, moderation, the statement of consultation and its exports."""
