"""What every executor that keeps a job folder on this machine shares: the folder and copies in and out."""
