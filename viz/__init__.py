"""The browser app (`traineeflow viz`): Mesa's SolaraViz over the England model."""
