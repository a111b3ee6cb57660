"""12345 work orders (接诉即办): a caller's appeal about a wrong pop-up, colour, dose record or
itinerary star, dispatched to the unit responsible, handled there through the existing
services, and closed by the hotline with the caller's satisfaction."""
