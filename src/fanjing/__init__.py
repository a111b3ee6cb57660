"""fanjing (返京): entry checks and community health management for people coming to Beijing."""
