"""Klinik Walidata: the review-and-approval workflow."""
