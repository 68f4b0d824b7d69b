"""Running the app on several servers: deploy/cluster.py (make cluster) and the files for Docker and Kubernetes."""
