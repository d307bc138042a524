"""ai-landing-zone: the Pulumi program, its typed config, topology decisions and offline plan."""
