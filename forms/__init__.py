"""WTForms classes (one per form) and the validity checks they use."""
