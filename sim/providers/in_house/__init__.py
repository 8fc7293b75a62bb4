"""The in-house (self-built) archetype: contact centre, own logistics, own technicians, complaint
team. Each stage lives in its own module and registers itself."""
