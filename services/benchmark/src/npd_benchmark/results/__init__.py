"""Results: peer-group statistics under disclosure control, published in bulk, and each organisation's position."""
